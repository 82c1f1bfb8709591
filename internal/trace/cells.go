package trace

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// cells parses the cells of one record by column index, keeping the first
// error so a decoder can read every field and check once.
type cells struct {
	rec []string
	hdr []string
	err error
}

func (c *cells) fail(i int, format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("column %s: %s", c.hdr[i], fmt.Sprintf(format, args...))
	}
}

// text is the trimmed cell i, "" when the column is absent (i < 0).
func (c *cells) text(i int) string {
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(c.rec[i])
}

// name is a name cell; required names must not be empty.
func (c *cells) name(i int, required bool) string {
	v := c.text(i)
	switch {
	case v == "" && required:
		c.fail(i, "empty")
	case strings.ContainsFunc(v, unicode.IsControl):
		c.fail(i, "%q contains a control character", v)
	}
	return v
}

// num is a required finite, non-negative number.
func (c *cells) num(i int) float64 {
	v := c.text(i)
	if v == "" {
		c.fail(i, "empty")
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
	}
	return f
}

// opt is num, or def when the cell is empty or the column absent.
func (c *cells) opt(i int, def float64) float64 {
	if c.text(i) == "" {
		return def
	}
	return c.num(i)
}

// integer is a required integer within [lo, hi].
func (c *cells) integer(i int, lo, hi int64) int64 {
	v := c.text(i)
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case v == "":
		c.fail(i, "empty")
	case err != nil:
		c.fail(i, "%q is not an integer", v)
	case n < lo || n > hi:
		c.fail(i, "%d is out of range [%d, %d]", n, lo, hi)
	}
	return n
}

// columns returns the index of every named column in hdr.
func columns(hdr []string, names ...string) ([]int, error) {
	idx := make([]int, len(names))
	for i, name := range names {
		idx[i] = slices.Index(hdr, name)
		if idx[i] < 0 {
			return nil, fmt.Errorf("missing column %q", name)
		}
	}
	return idx, nil
}
