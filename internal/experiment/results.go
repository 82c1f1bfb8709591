package experiment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"tailor.dev/tailor/internal/optimize"
)

// Files of a results directory.
const (
	ExperimentFile = "experiment.yaml" // the spec as last run, defaults filled in
	TrialsFile     = "trials.jsonl"    // one Record per line, in the order trials finished
)

// Status is the outcome of a trial.
type Status string

// Statuses.
const (
	StatusOK         Status = "ok"         // ran and met every metric bound
	StatusInfeasible Status = "infeasible" // ran, but broke a metric bound
	StatusFailed     Status = "failed"     // produced no usable measurement
)

// Record is one finished trial, a line of trials.jsonl.
type Record struct {
	Number     int    `json:"number"`
	Baseline   bool   `json:"baseline,omitempty"`
	Parameters Values `json:"parameters"`
	// Metrics are the measured values by source name (seconds, bytes,
	// ratios, ...), every finite value the runner returned plus
	// cost_per_hour.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Point is the configuration in the optimizer's unit encoding
	// (optimize.Point), so that a resume rebuilds the optimizer exactly;
	// without it the parameters are encoded again.
	Point           optimize.Point `json:"point,omitempty"`
	Status          Status         `json:"status"`
	Reason          string         `json:"reason,omitempty"`
	Start           time.Time      `json:"start"`
	End             time.Time      `json:"end"`
	DurationSeconds float64        `json:"duration_seconds"`
}

// Values are parameter values by name. In JSON a number (float and int
// parameters) or a string (categorical ones).
type Values map[string]optimize.Value

// MarshalJSON writes numbers and strings.
func (v Values) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(v))
	for k, x := range v {
		if x.Kind == optimize.Categorical {
			m[k] = x.Category
		} else {
			m[k] = x.Num
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads numbers as Float values and strings as Categorical
// ones; LoadResults then marks the values of int parameters Int.
func (v *Values) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	out := make(Values, len(m))
	for k, x := range m {
		switch x := x.(type) {
		case float64:
			out[k] = optimize.Value{Kind: optimize.Float, Num: x}
		case string:
			out[k] = optimize.Value{Kind: optimize.Categorical, Category: x}
		default:
			return fmt.Errorf("parameter %q: %v is neither a number nor a string", k, x)
		}
	}
	*v = out
	return nil
}

// Results is the content of a results directory.
type Results struct {
	Dir        string
	Experiment *Experiment // the spec as last run
	Trials     []Record    // in the order they finished
	Warnings   []string    // a dropped torn line, skipped warm-start trials, ...
}

// LoadResults reads a results directory. A torn last line of trials.jsonl
// (a write cut short by a crash) is dropped with a warning; any other
// unreadable line is an error naming the file and line.
func LoadResults(dir string) (*Results, error) {
	exp, err := Load(filepath.Join(dir, ExperimentFile))
	if err != nil {
		return nil, fmt.Errorf("load results: %w", err)
	}
	tf, err := readTrials(filepath.Join(dir, TrialsFile))
	if err != nil {
		return nil, fmt.Errorf("load results: %w", err)
	}
	exp.Spec.markInts(tf.records)
	return &Results{Dir: dir, Experiment: exp, Trials: tf.records, Warnings: tf.warnings}, nil
}

// markInts gives the values of int parameters the Int kind.
func (s *Spec) markInts(recs []Record) {
	for _, r := range recs {
		for _, p := range s.Parameters {
			if v, ok := r.Parameters[p.Name]; ok && p.Type == TypeInt && v.Kind == optimize.Float {
				r.Parameters[p.Name] = optimize.Value{Kind: optimize.Int, Num: v.Num}
			}
		}
	}
}

// trialsFile is what readTrials found.
type trialsFile struct {
	records  []Record
	warnings []string
	good     int64 // bytes up to the end of the last good line
	newline  bool  // the last good line lacks its newline
}

// readTrials reads a trials.jsonl file; a missing file has no records.
func readTrials(path string) (trialsFile, error) {
	var tf trialsFile
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return tf, nil
	}
	if err != nil {
		return tf, err
	}
	numbers := map[int]int{}
	for line, off := 1, 0; off < len(data); line++ {
		end := bytes.IndexByte(data[off:], '\n')
		last := end < 0
		if last {
			end = len(data) - off
		}
		text := bytes.TrimSpace(data[off : off+end])
		rec, err := parseRecord(text)
		switch {
		case len(text) == 0:
		case err != nil && last:
			tf.warnings = append(tf.warnings, fmt.Sprintf("%s:%d: dropped a torn last line (a write cut short): %v", path, line, err))
			return tf, nil
		case err != nil:
			return tf, fmt.Errorf("%s:%d: %w", path, line, err)
		case numbers[rec.Number] > 0:
			return tf, fmt.Errorf("%s:%d: trial %d already finished on line %d", path, line, rec.Number, numbers[rec.Number])
		default:
			numbers[rec.Number] = line
			tf.records = append(tf.records, rec)
		}
		off += end + 1
		tf.good, tf.newline = int64(min(off, len(data))), last && len(text) > 0
	}
	return tf, nil
}

func parseRecord(line []byte) (Record, error) {
	var r Record
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		return r, err
	}
	if d.More() {
		return r, errors.New("more than one JSON value on the line")
	}
	switch {
	case r.Number < 1:
		return r, fmt.Errorf("number %d: must be >= 1", r.Number)
	case r.Status != StatusOK && r.Status != StatusInfeasible && r.Status != StatusFailed:
		return r, fmt.Errorf("status %q: want ok, infeasible or failed", r.Status)
	case len(r.Parameters) == 0:
		return r, errors.New("no parameters")
	}
	for k, v := range r.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return r, fmt.Errorf("metric %q: %v", k, v)
		}
	}
	return r, nil
}

// point returns a record's configuration in the spec's space: its Point
// when that decodes to its parameter values, else the values encoded.
func (s *Spec) point(r Record) (optimize.Point, error) {
	sp := s.space()
	vals := make([]optimize.Value, len(s.Parameters))
	for i, p := range s.Parameters {
		x, ok := r.Parameters[p.Name]
		if !ok {
			return nil, fmt.Errorf("no value of parameter %q", p.Name)
		}
		if p.Type == TypeInt && x.Kind == optimize.Float {
			x.Kind = optimize.Int
		}
		vals[i] = x
	}
	if dec, err := sp.Decode(r.Point); err == nil && sameValues(dec, vals) {
		return r.Point, nil
	}
	return sp.Encode(vals)
}

func sameValues(a, b []optimize.Value) bool {
	for i := range a {
		x, y := a[i], b[i]
		if x.Kind != y.Kind || x.Category != y.Category ||
			math.Abs(x.Num-y.Num) > 1e-12*math.Max(1, math.Abs(y.Num)) {
			return false
		}
	}
	return true
}

// values names the values of a point's parameters.
func (s *Spec) values(vals []optimize.Value) Values {
	out := make(Values, len(vals))
	for i, p := range s.Parameters {
		out[p.Name] = vals[i]
	}
	return out
}

// observation is what the spec makes of a record now (the bounds may
// have changed since it was written).
func (s *Spec) observation(r Record) (optimize.Observation, error) {
	if r.Status == StatusFailed {
		return optimize.Observation{Failed: true}, nil
	}
	j, err := s.judge(r.Metrics)
	return j.obs, err
}
