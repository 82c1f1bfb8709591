package trace

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// rows reads the CSV records of one file or stream, gunzipping it when it
// starts with the gzip magic bytes, and reports problems as *ParseError.
type rows struct {
	name   string
	csv    *csv.Reader
	gz     *gzip.Reader
	closer io.Closer
	line   int // line of the last record returned
}

// openRows opens a file for reading records separated by comma.
func openRows(path string, comma rune) (*rows, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open trace file: %w", err)
	}
	r, err := newRows(f, path, comma)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// newRows reads records from src; name is used in errors.
func newRows(src io.Reader, name string, comma rune) (*rows, error) {
	in, gz, err := decompress(src)
	if err != nil {
		return nil, &ParseError{File: name, Reason: err.Error()}
	}
	c := csv.NewReader(in)
	c.Comma = comma
	c.FieldsPerRecord = -1
	c.ReuseRecord = true
	c.TrimLeadingSpace = true
	return &rows{name: name, csv: c, gz: gz}, nil
}

// decompress returns src, gunzipped when it starts with the gzip magic bytes.
func decompress(src io.Reader) (io.Reader, *gzip.Reader, error) {
	br := bufio.NewReaderSize(src, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil, nil
	}
	gz, err := gzip.NewReader(br)
	if err != nil {
		return nil, nil, fmt.Errorf("gzip: %w", err)
	}
	return gz, gz, nil
}

// read returns the next record (valid until the next call) or io.EOF.
func (r *rows) read() ([]string, error) {
	rec, err := r.csv.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, &ParseError{File: r.name, Line: pe.Line, Reason: pe.Err.Error()}
	}
	if err != nil {
		return nil, &ParseError{File: r.name, Reason: fmt.Sprintf("after line %d: %v", r.line, err)}
	}
	r.line, _ = r.csv.FieldPos(0)
	return rec, nil
}

// header reads the header record, trimmed and without a UTF-8 byte order mark.
func (r *rows) header() ([]string, error) {
	rec, err := r.read()
	if err == io.EOF {
		return nil, &ParseError{File: r.name, Reason: "empty file: no header row"}
	}
	if err != nil {
		return nil, err
	}
	hdr := make([]string, len(rec))
	for i, name := range rec {
		hdr[i] = strings.TrimSpace(name)
	}
	hdr[0] = strings.TrimPrefix(hdr[0], "\ufeff")
	return hdr, nil
}

// record reads the next record and checks it has width columns.
func (r *rows) record(width int) ([]string, int, error) {
	rec, err := r.read()
	if err != nil {
		return nil, 0, err
	}
	if len(rec) != width {
		return nil, 0, r.errorf("has %d columns, the header has %d", len(rec), width)
	}
	return rec, r.line, nil
}

// errorf is a *ParseError at the line of the last record read.
func (r *rows) errorf(format string, args ...any) *ParseError {
	return &ParseError{File: r.name, Line: r.line, Reason: fmt.Sprintf(format, args...)}
}

func (r *rows) Close() error {
	var err error
	if r.gz != nil {
		err = r.gz.Close()
	}
	if r.closer != nil {
		err = errors.Join(err, r.closer.Close())
	}
	return err
}
