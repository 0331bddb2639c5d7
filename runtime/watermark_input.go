package runtime

// InputWatermark returns the watermark of the input named name (a source's
// topic): its newest event time less the input's out-of-orderness bound,
// less 1 ms, or NoWatermark before its first record. idle reports whether
// the input is idle as of the last Update; ok is false when there is no
// such input. The Kafka runner reads it for watermark alignment.
func (w *Watermarks) InputWatermark(name string) (wm int64, idle, ok bool) {
	for i := range w.inputs {
		if in := &w.inputs[i]; in.name == name {
			return in.watermark(), in.isIdle, true
		}
	}
	return NoWatermark, false, false
}
