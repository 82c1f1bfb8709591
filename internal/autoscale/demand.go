package autoscale

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tailor.dev/tailor/internal/horizontal"
)

// The columns of a demand file (docs/formats/demand.md), in the order
// WriteDemand writes them.
const (
	demandTime = iota
	demandName
	demandRPS
	demandCPUPerRequest
	demandRequest
	demandColumnCount
)

var demandColumns = [demandColumnCount]string{"time", "service", "rps", "cpu_per_request", "request_cores"}

// Unix seconds of 0000-01-01 and 9999-12-31T23:59:59Z: integer times are
// limited to the years RFC 3339 can write.
const (
	minDemandUnix = -62167219200
	maxDemandUnix = 253402300799
)

// ErrNoCPUPerRequest and ErrNoRequest are wrapped by ReadDemand's errors for
// a service whose rows give no cpu_per_request (request_cores) when
// DemandOptions has no default either.
var (
	ErrNoCPUPerRequest = errors.New("no cpu_per_request")
	ErrNoRequest       = errors.New("no request_cores")
)

// DemandOptions says how a demand file becomes services.
type DemandOptions struct {
	// Window is the length of every window; 0 infers it from the spacing
	// of the first service with two rows.
	Window time.Duration
	// CPUPerRequest is the CPU cost of one request in core-seconds for the
	// services whose rows have no cpu_per_request; 0 is none.
	CPUPerRequest float64
	// Request is the starting CPU request per pod in cores for the services
	// whose rows have no request_cores; 0 is none.
	Request float64
}

// Demand is what ReadDemand makes of a demand file.
type Demand struct {
	// Services in the order they first appear; Demand in cores is
	// rps × the service's CPU cost per request.
	Services []Service
	Window   time.Duration // the file's window length
	Rows     int           // data rows read
}

// ReadDemand reads a demand file (docs/formats/demand.md: CSV, optionally
// gzip-compressed, with columns time, service, rps and optionally
// cpu_per_request and request_cores) row by row and returns one service per
// service name. A row's time is the end of its window; every service's rows
// are one window apart and in time order (rows of different services may
// interleave). name is used in errors, which read "name:line: problem".
func ReadDemand(r io.Reader, name string, o DemandOptions) (Demand, error) {
	if err := o.validate(); err != nil {
		return Demand{}, fmt.Errorf("%s: %w", name, err)
	}
	d, err := newDemandReader(r, name, o.Window)
	if err != nil {
		return Demand{}, err
	}
	for {
		rec, err := d.read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			err = d.row(rec)
		}
		if err != nil {
			return Demand{}, err
		}
	}
	return d.demand(o)
}

func (o DemandOptions) validate() error {
	switch {
	case o.Window < 0:
		return fmt.Errorf("window %s must not be negative", o.Window)
	case !(o.CPUPerRequest >= 0) || math.IsInf(o.CPUPerRequest, 0):
		return fmt.Errorf("default cpu_per_request %v must be a non-negative number", o.CPUPerRequest)
	case !(o.Request >= 0) || math.IsInf(o.Request, 0):
		return fmt.Errorf("default request_cores %v must be a non-negative number", o.Request)
	}
	return nil
}

// demandReader holds the state of one file: every service's rows so far
// and the window.
type demandReader struct {
	name string
	csv  *csv.Reader
	hdr  []string
	idx  [demandColumnCount]int // record index of each column, -1 when absent
	line int                    // line of the last record read
	rows int

	window     time.Duration
	windowFrom string // where the window comes from, for errors

	services map[string]*demandRows
	order    []*demandRows
}

// demandRows is one service's rows so far.
type demandRows struct {
	name             string
	firstLine        int
	first, last      time.Time
	lastLine         int
	rps              []float64
	cpr, request     float64 // 0 until a row gives them
	cprLine, reqLine int
}

func newDemandReader(src io.Reader, name string, window time.Duration) (*demandReader, error) {
	d := &demandReader{name: name, window: window, services: map[string]*demandRows{}}
	if window > 0 {
		d.windowFrom = "the window given"
	}
	br := bufio.NewReaderSize(src, 64<<10)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, d.errorf(0, "not a valid gzip stream: %v", err)
		}
		in = gz
	}
	d.csv = csv.NewReader(in)
	d.csv.FieldsPerRecord = -1
	d.csv.ReuseRecord = true
	d.csv.TrimLeadingSpace = true
	return d, d.header()
}

func (d *demandReader) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", d.name, line, fmt.Sprintf(format, args...))
}

// read returns the next record or io.EOF.
func (d *demandReader) read() ([]string, error) {
	rec, err := d.csv.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case errors.As(err, &pe):
		return nil, d.errorf(pe.Line, "%v", pe.Err)
	case err != nil:
		return nil, fmt.Errorf("%s: after line %d: %w", d.name, d.line, err)
	}
	d.line, _ = d.csv.FieldPos(0)
	return rec, nil
}

func (d *demandReader) header() error {
	rec, err := d.read()
	if errors.Is(err, io.EOF) {
		return d.errorf(0, "empty file: no header row (want %s)", strings.Join(demandColumns[:3], ","))
	}
	if err != nil {
		return err
	}
	d.hdr = make([]string, len(rec))
	for i := range d.idx {
		d.idx[i] = -1
	}
	for i, col := range rec {
		col = strings.TrimSpace(col)
		if i == 0 {
			col = strings.TrimPrefix(col, "\ufeff")
		}
		d.hdr[i] = col
		c := slices.Index(demandColumns[:], col)
		switch {
		case c < 0:
			return d.errorf(d.line, "unknown column %q (known: %s)", col, strings.Join(demandColumns[:], ", "))
		case d.idx[c] >= 0:
			return d.errorf(d.line, "duplicate column %q", col)
		}
		d.idx[c] = i
	}
	for _, c := range []int{demandTime, demandName, demandRPS} {
		if d.idx[c] < 0 {
			return d.errorf(d.line, "missing column %q", demandColumns[c])
		}
	}
	return nil
}

// row adds one record to its service.
func (d *demandReader) row(rec []string) error {
	if len(rec) != len(d.hdr) {
		return d.errorf(d.line, "has %d columns, the header has %d", len(rec), len(d.hdr))
	}
	d.rows++
	c := demandCells{rec: rec, hdr: d.hdr}
	at := c.time(d.idx[demandTime])
	name := c.name(d.idx[demandName])
	rps := c.number(d.idx[demandRPS], true, false)
	cpr := c.number(d.idx[demandCPUPerRequest], false, true)
	req := c.number(d.idx[demandRequest], false, true)
	if c.err != nil {
		return d.errorf(d.line, "%v", c.err)
	}
	s := d.services[name]
	if s == nil {
		s = &demandRows{name: name, firstLine: d.line, first: at}
		d.services[name] = s
		d.order = append(d.order, s)
	} else if err := d.next(s, at); err != nil {
		return err
	}
	s.last, s.lastLine = at, d.line
	s.rps = append(s.rps, rps)
	if err := d.perService(s, demandCPUPerRequest, cpr, &s.cpr, &s.cprLine); err != nil {
		return err
	}
	return d.perService(s, demandRequest, req, &s.request, &s.reqLine)
}

// next checks that at is one window after the service's last row, and
// infers the window from the first service with two rows.
func (d *demandReader) next(s *demandRows, at time.Time) error {
	step := at.Sub(s.last)
	prev := s.last.Format(time.RFC3339Nano)
	switch {
	case step == 0:
		return d.errorf(d.line, "service %q: a second row for %s (the first is line %d)", s.name, prev, s.lastLine)
	case step < 0:
		return d.errorf(d.line, "service %q: %s is before its previous row's time %s (line %d); a service's rows must be in time order",
			s.name, at.Format(time.RFC3339Nano), prev, s.lastLine)
	case d.window == 0:
		d.window, d.windowFrom = step, fmt.Sprintf("the window set by the spacing of service %q at lines %d and %d", s.name, s.lastLine, d.line)
		return nil
	case step%d.window != 0:
		return d.errorf(d.line, "service %q: %s is %s after its previous row (line %d), not a whole number of %s windows (%s)",
			s.name, at.Format(time.RFC3339Nano), step, s.lastLine, d.window, d.windowFrom)
	case step > d.window:
		return d.errorf(d.line, "service %q: no row in the %s after %s (line %d); the next is at %s",
			s.name, step-d.window, prev, s.lastLine, at.Format(time.RFC3339Nano))
	}
	return nil
}

// perService records a per-service value (0: the row gives none) and
// rejects one that differs from an earlier row's.
func (d *demandReader) perService(s *demandRows, col int, v float64, have *float64, line *int) error {
	switch {
	case v == 0:
	case *have == 0:
		*have, *line = v, d.line
	case v != *have:
		return d.errorf(d.line, "service %q: %s %v differs from %v at line %d; it is one value per service",
			s.name, demandColumns[col], v, *have, *line)
	}
	return nil
}

// demand turns every service's rows into cores.
func (d *demandReader) demand(o DemandOptions) (Demand, error) {
	if d.rows == 0 {
		return Demand{}, d.errorf(d.line, "no data rows after the header")
	}
	if d.window == 0 {
		return Demand{}, d.errorf(0, "no service has two rows, so the window length is unknown; give it")
	}
	out := Demand{Window: d.window, Rows: d.rows}
	for _, s := range d.order {
		svc, err := d.service(s, o)
		if err != nil {
			return Demand{}, err
		}
		out.Services = append(out.Services, svc)
	}
	return out, nil
}

func (d *demandReader) service(s *demandRows, o DemandOptions) (Service, error) {
	cpr, req := s.cpr, s.request
	if cpr == 0 {
		cpr = o.CPUPerRequest
	}
	if req == 0 {
		req = o.Request
	}
	switch {
	case cpr == 0:
		return Service{}, fmt.Errorf("%s: service %q (first row at line %d): %w: its rows give none and there is no default",
			d.name, s.name, s.firstLine, ErrNoCPUPerRequest)
	case req == 0:
		return Service{}, fmt.Errorf("%s: service %q (first row at line %d): %w (the starting CPU request per pod): its rows give none and there is no default",
			d.name, s.name, s.firstLine, ErrNoRequest)
	}
	cores := make([]float64, len(s.rps))
	for i, rps := range s.rps {
		cores[i] = rps * cpr
		if math.IsInf(cores[i], 0) {
			return Service{}, fmt.Errorf("%s: service %q at %s: %v requests/s × %v core-s per request is not a finite number of cores",
				d.name, s.name, s.first.Add(time.Duration(i)*d.window).Format(time.RFC3339Nano), rps, cpr)
		}
	}
	tl, err := horizontal.SampledTimeline(s.name, d.window, cores)
	if err != nil {
		return Service{}, fmt.Errorf("%s: service %q: %w", d.name, s.name, err)
	}
	svc := Service{Name: s.name, Start: s.first.Add(-d.window), Demand: tl, Request: req}
	if err := svc.Validate(); err != nil {
		return Service{}, fmt.Errorf("%s: %w", d.name, err)
	}
	return svc, nil
}

// demandCells parses the cells of one record, keeping the first error.
type demandCells struct {
	rec, hdr []string
	err      error
}

func (c *demandCells) fail(i int, format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("column %s: %s", c.hdr[i], fmt.Sprintf(format, args...))
	}
}

func (c *demandCells) text(i int) string {
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(c.rec[i])
}

// time is RFC 3339 or integer Unix seconds, in UTC.
func (c *demandCells) time(i int) time.Time {
	v := c.text(i)
	if v == "" {
		c.fail(i, "empty")
		return time.Time{}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < minDemandUnix || n > maxDemandUnix {
			c.fail(i, "%d is out of range [%d, %d]", n, minDemandUnix, maxDemandUnix)
		}
		return time.Unix(n, 0).UTC()
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		c.fail(i, "%q is neither RFC 3339 nor integer Unix seconds", v)
	}
	return t.UTC()
}

func (c *demandCells) name(i int) string {
	v := c.text(i)
	switch {
	case v == "":
		c.fail(i, "empty")
	case strings.ContainsFunc(v, unicode.IsControl):
		c.fail(i, "%q contains a control character", v)
	}
	return v
}

// number is a finite non-negative number (positive when positive is set);
// an empty cell or an absent column is 0, and an error when required.
func (c *demandCells) number(i int, required, positive bool) float64 {
	v := c.text(i)
	if v == "" {
		if required {
			c.fail(i, "empty")
		}
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	switch {
	case err != nil && !math.IsInf(f, 0):
		c.fail(i, "%q is not a number", v)
	case math.IsNaN(f) || math.IsInf(f, 0):
		c.fail(i, "%q is not a finite number", v)
	case f < 0:
		c.fail(i, "%q is negative", v)
	case f == 0 && positive:
		c.fail(i, "%q must be positive (leave the cell empty for none)", v)
	}
	return f
}
