package golden

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/spec"
)

// Pipeline cases are folders golden/pipeline_*/ whose in/ holds a
// streamgen.yaml (and its schemas); they are generated with gen.Pipeline.
func init() { runners["pipeline_"] = runPipeline }

// runPipeline parses, checks and generates in/streamgen.yaml. Errors name
// files relative to the case folder ("in/streamgen.yaml:3:5: ...").
func runPipeline(dir, pkg string) ([]gen.File, error) {
	path := filepath.Join(dir, "in", "streamgen.yaml")
	rel := func(err error) error {
		if err == nil {
			return nil
		}
		abs, aerr := filepath.Abs(dir)
		msg := err.Error()
		if aerr == nil {
			msg = strings.ReplaceAll(msg, abs+string(filepath.Separator), "")
		}
		return errors.New(strings.ReplaceAll(msg, dir+string(filepath.Separator), ""))
	}
	s, set, err := spec.Load(path)
	if err != nil {
		return nil, rel(err)
	}
	files, err := gen.Pipeline(s, set, gen.Options{Package: pkg})
	return files, rel(err)
}
