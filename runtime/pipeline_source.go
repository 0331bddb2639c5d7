package runtime

import "fmt"

// AddSourceWithDeadLetter attaches an input topic like AddSource, with a
// dead-letter policy of its own: a record cfg.Deserializer rejects goes
// to topic dlq (see DeadLetterRecord: the original key, value, headers
// and timestamp plus the error headers) and the task goes on, whatever the
// task's TaskConfig.DeadLetterTopic says. Generated pipelines use it for
// sources with on_error: dead-letter, so each source keeps its own policy
// in a task that reads several. A dead-lettered record does not move the
// input's watermark. With dlq empty it is AddSource.
func AddSourceWithDeadLetter[T any](t *Task, cfg SourceConfig[T], dlq string, next Node[T]) error {
	if dlq == "" {
		_, err := AddSource(t, cfg, next)
		return err
	}
	if cfg.Deserializer == nil {
		return fmt.Errorf("runtime: task %d: source %s has no deserializer", t.id, cfg.Topic)
	}
	if t.sink == nil {
		return fmt.Errorf("runtime: task %d: source %s dead-letters to %s, but the task has no sink", t.id, cfg.Topic, dlq)
	}
	src, err := AddSource(t, cfg, next)
	if err != nil {
		return err
	}
	src.dlq = dlq
	return nil
}
