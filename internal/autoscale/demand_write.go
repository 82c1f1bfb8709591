package autoscale

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// WriteDemand writes services as a demand file (docs/formats/demand.md)
// with every column: one row per service per window, a service's rows
// together and in time order, time = the end of the window in RFC 3339 UTC,
// rps = demand / cpuPerRequest, cpu_per_request = cpuPerRequest and
// request_cores = the service's request, numbers in the shortest form that
// reads back exactly. ReadDemand gives the services back; their demand is
// the same bit for bit when cpuPerRequest is a power of two (rps × cost
// then undoes demand / cost exactly), else within a rounding.
//
// Every service must be valid and every window of every service as long as
// the first service's first one.
func WriteDemand(w io.Writer, services []Service, cpuPerRequest float64) error {
	if !(cpuPerRequest > 0) || math.IsInf(cpuPerRequest, 0) {
		return fmt.Errorf("write demand: cpu_per_request %v must be a positive number", cpuPerRequest)
	}
	if len(services) == 0 {
		return fmt.Errorf("write demand: no services")
	}
	window := services[0].Demand.Segments
	if len(window) == 0 {
		return fmt.Errorf("write demand: service %s: no demand", services[0].Name)
	}
	step := window[0].To - window[0].From
	cw := csv.NewWriter(w)
	if err := cw.Write(demandColumns[:]); err != nil {
		return fmt.Errorf("write demand: %w", err)
	}
	for _, s := range services {
		if err := writeDemandRows(cw, s, step, cpuPerRequest); err != nil {
			return fmt.Errorf("write demand: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write demand: %w", err)
	}
	return nil
}

func writeDemandRows(cw *csv.Writer, s Service, step time.Duration, cpr float64) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if strings.ContainsFunc(s.Name, unicode.IsControl) || strings.TrimSpace(s.Name) != s.Name {
		return fmt.Errorf("service %q: the name has a control character or surrounding spaces", s.Name)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	row := make([]string, demandColumnCount)
	row[demandName], row[demandCPUPerRequest], row[demandRequest] = s.Name, num(cpr), num(s.Request)
	for _, seg := range s.Demand.Segments {
		if seg.To-seg.From != step {
			return fmt.Errorf("service %s: window %s..%s is not %s long like the first service's; a demand file has one window length",
				s.Name, seg.From, seg.To, step)
		}
		rps := seg.Value / cpr
		if math.IsInf(rps, 0) {
			return fmt.Errorf("service %s: %v cores at %v core-s per request is not a finite rate", s.Name, seg.Value, cpr)
		}
		row[demandTime] = s.Start.Add(seg.To).UTC().Format(time.RFC3339Nano)
		row[demandRPS] = num(rps)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return nil
}
