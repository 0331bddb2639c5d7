package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a progress bar on one line, redrawn in place on a
// terminal (tty); elsewhere only the finished bar is written.
type progress struct {
	w     io.Writer
	tty   bool
	label string
	total int64
	drawn time.Time
	n     int64
}

func newProgress(w io.Writer, tty bool, label string, total int64) *progress {
	return &progress{w: w, tty: tty, label: label, total: total}
}

// set moves the bar to n, redrawing it at most ten times a second.
func (p *progress) set(n int64) {
	p.n = n
	if p.tty && time.Since(p.drawn) >= 100*time.Millisecond {
		p.draw()
	}
}

// done draws the finished bar and ends its line.
func (p *progress) done() {
	p.n = p.total
	p.draw()
	fmt.Fprintln(p.w)
}

func (p *progress) draw() {
	const width = 30
	frac := 1.0
	if p.total > 0 {
		frac = min(float64(p.n)/float64(p.total), 1)
	}
	full := int(frac * width)
	fmt.Fprintf(p.w, "\r  %-22s [%s%s] %3.0f%%  %s / %s", p.label,
		strings.Repeat("█", full), strings.Repeat("░", width-full), 100*frac, thousands(p.n), thousands(p.total))
	p.drawn = time.Now()
}

// thousands formats n with thousands separators: 100,000.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
