package trace

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// Writer writes samples in the tailor format (every column, header first).
// Reading its output back gives the same samples.
type Writer struct {
	csv    *csv.Writer
	header bool
	rec    []string
}

// NewWriter writes to w; call Flush when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{csv: csv.NewWriter(w), rec: make([]string, numColumns)}
}

// Write writes one sample. It refuses samples the reader would reject
// (except for time order, which the writer does not track).
func (w *Writer) Write(s workload.Sample) error {
	if reason := invalid(s); reason != "" {
		return fmt.Errorf("write sample of %s: %s", s.Ref.Key(), reason)
	}
	if err := w.writeHeader(); err != nil {
		return err
	}
	r := w.rec
	r[colTimestamp] = s.Time.UTC().Format(time.RFC3339Nano)
	r[colNamespace], r[colKind], r[colWorkload] = s.Ref.Namespace, s.Ref.Kind, s.Ref.Workload
	r[colPod], r[colContainer] = s.Ref.Pod, s.Ref.Container
	r[colInterval] = strconv.FormatFloat(s.Interval.Seconds(), 'f', -1, 64)
	r[colCPU], r[colMemory] = formatFloat(s.CPU), formatFloat(s.Memory)
	r[colCPURequest] = formatFloat(s.Provisioned.CPURequest)
	r[colCPULimit] = formatFloat(s.Provisioned.CPULimit)
	r[colMemRequest] = formatFloat(s.Provisioned.MemRequest)
	r[colMemLimit] = formatFloat(s.Provisioned.MemLimit)
	r[colOOMKilled] = "0"
	if s.OOMKilled {
		r[colOOMKilled] = "1"
	}
	r[colThrottled] = formatFloat(s.ThrottledFraction)
	if err := w.csv.Write(r); err != nil {
		return fmt.Errorf("write sample: %w", err)
	}
	return nil
}

func (w *Writer) writeHeader() error {
	if w.header {
		return nil
	}
	w.header = true
	if err := w.csv.Write(tailorColumns[:]); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	return nil
}

// Flush writes buffered data (and the header, if no sample was written).
func (w *Writer) Flush() error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	return nil
}
