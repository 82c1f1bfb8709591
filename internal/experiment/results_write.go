package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// resultsDir is a results directory: read, then opened for appending
// trials.
type resultsDir struct {
	dir      string
	tf       trialsFile
	f        *os.File
	records  []Record // finished before this run
	warnings []string
}

// readResults reads dir for a run of exp (valid and defaulted), writing
// nothing: a missing or empty directory is a new experiment; otherwise its
// trials must have been run with the same parameters. A torn last line is
// dropped with a warning.
func readResults(dir string, exp *Experiment) (*resultsDir, error) {
	if dir == "" {
		return nil, errors.New("results directory: not set")
	}
	expPath, trialsPath := filepath.Join(dir, ExperimentFile), filepath.Join(dir, TrialsFile)
	prev, err := Load(expPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(trialsPath); err == nil {
			return nil, fmt.Errorf("results directory %s: %s without %s", dir, TrialsFile, ExperimentFile)
		}
	case err != nil:
		return nil, fmt.Errorf("results directory %s: %w", dir, err)
	default:
		if d := diffParameters(prev.Spec.Parameters, exp.Spec.Parameters); d != "" {
			return nil, fmt.Errorf("results directory %s holds trials of other parameters (%s); use a new directory, or warm-start from this one", dir, d)
		}
	}
	tf, err := readTrials(trialsPath)
	if err != nil {
		return nil, fmt.Errorf("results directory: %w", err)
	}
	exp.Spec.markInts(tf.records)
	return &resultsDir{dir: dir, tf: tf, records: tf.records, warnings: tf.warnings}, nil
}

// open creates the directory, writes exp to experiment.yaml and opens
// trials.jsonl for appending after its last good line.
func (r *resultsDir) open(exp *Experiment) error {
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return fmt.Errorf("results directory: %w", err)
	}
	data, err := Marshal(exp)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(r.dir, ExperimentFile), data); err != nil {
		return fmt.Errorf("results directory: %w", err)
	}
	f, err := openTrials(filepath.Join(r.dir, TrialsFile), r.tf)
	if err != nil {
		return fmt.Errorf("results directory: %w", err)
	}
	r.f = f
	return nil
}

// openTrials opens trials.jsonl for appending after its last good line.
func openTrials(path string, tf trialsFile) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		return nil, err
	}
	if err := f.Truncate(tf.good); err != nil {
		return fail(err)
	}
	if _, err := f.Seek(tf.good, 0); err != nil {
		return fail(err)
	}
	if tf.newline {
		if _, err := f.Write([]byte("\n")); err != nil {
			return fail(err)
		}
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fail(err)
	}
	return f, nil
}

// append writes one record as a line and syncs it to disk: a crash leaves
// either the whole line or a torn last line LoadResults drops.
func (r *resultsDir) append(rec Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("append trial %d: %w", rec.Number, err)
	}
	if _, err := r.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("append trial %d: %w", rec.Number, err)
	}
	if err := r.f.Sync(); err != nil {
		return fmt.Errorf("append trial %d: %w", rec.Number, err)
	}
	return nil
}

func (r *resultsDir) close() error {
	if r.f == nil {
		return nil
	}
	return r.f.Close()
}

// writeFileAtomic replaces path with data through a synced temporary file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes the directory's entries (a created or renamed file) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// diffParameters describes the first difference between two parameter
// lists that makes trials of one meaningless for the other; "" when none.
func diffParameters(before, now []Parameter) string {
	if len(before) != len(now) {
		return fmt.Sprintf("spec.parameters: %d before, %d now", len(before), len(now))
	}
	for i, a := range before {
		b := now[i]
		at := fmt.Sprintf("spec.parameters[%d]", i)
		for _, f := range []struct{ name, a, b string }{
			{"name", a.Name, b.Name},
			{"type", a.Type, b.Type},
			{"min", fmtOpt(a.Min), fmtOpt(b.Min)},
			{"max", fmtOpt(a.Max), fmtOpt(b.Max)},
			{"log", fmt.Sprint(a.Log), fmt.Sprint(b.Log)},
			{"values", strings.Join(a.Values, ","), strings.Join(b.Values, ",")},
			{"baseline", a.baselineText(), b.baselineText()},
		} {
			if f.a != f.b {
				return fmt.Sprintf("%s.%s: %s before, %s now", at, f.name, orNone(f.a), orNone(f.b))
			}
		}
	}
	return ""
}

func fmtOpt(v *float64) string {
	if v == nil {
		return ""
	}
	return num(*v)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// baselineText is the baseline as a canonical string (numbers normalized).
func (p Parameter) baselineText() string {
	if p.Baseline == nil {
		return ""
	}
	if v, err := p.Baseline.Float(); err == nil && p.Type != TypeCategorical {
		return num(v)
	}
	return p.Baseline.Text()
}
