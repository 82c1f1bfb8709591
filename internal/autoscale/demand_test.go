package autoscale_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/autoscale"
	"tailor.dev/tailor/internal/shareddata"
	"tailor.dev/tailor/internal/trace"
)

// wantService is a service as ReadDemand should return it.
type wantService struct {
	name    string
	start   string // RFC 3339
	cores   []float64
	request float64
}

func readDemand(t *testing.T, content string, o autoscale.DemandOptions) autoscale.Demand {
	t.Helper()
	d, err := autoscale.ReadDemand(strings.NewReader(content), "demand.csv", o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func checkServices(t *testing.T, got []autoscale.Service, window time.Duration, want []wantService) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d services, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		start, err := time.Parse(time.RFC3339, w.start)
		if err != nil {
			t.Fatal(err)
		}
		if g.Name != w.name || !g.Start.Equal(start) || g.Start.Location() != time.UTC || g.Request != w.request {
			t.Errorf("service %d: %s from %v, request %v; want %s from %v, request %v", i, g.Name, g.Start, g.Request, w.name, start, w.request)
		}
		if len(g.Demand.Segments) != len(w.cores) {
			t.Fatalf("%s: %d windows, want %d", g.Name, len(g.Demand.Segments), len(w.cores))
		}
		for j, seg := range g.Demand.Segments {
			if seg.From != time.Duration(j)*window || seg.To != seg.From+window || !near(seg.Value, w.cores[j]) {
				t.Errorf("%s window %d: %s..%s %v cores, want %s long, %v cores", g.Name, j, seg.From, seg.To, seg.Value, window, w.cores[j])
			}
		}
	}
}

// The documented example (docs/formats/demand.md): a row's time ends its
// window, cores = rps × cpu_per_request, and the file's columns win over
// the defaults.
func TestReadDemandExample(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "demand", "example.csv"))
	if err != nil {
		t.Fatal(err)
	}
	d := readDemand(t, string(raw), autoscale.DemandOptions{CPUPerRequest: 0.002, Request: 0.25})
	if d.Window != 5*time.Minute || d.Rows != 6 {
		t.Errorf("window %s, %d rows; want 5m0s, 6", d.Window, d.Rows)
	}
	checkServices(t, d.Services, 5*time.Minute, []wantService{
		{"checkout", "2024-05-01T10:00:00Z", []float64{0.48, 0.6, 0.36}, 0.5},
		{"search", "2024-05-01T10:00:00Z", []float64{0.6, 0.561, 0}, 0.25},
	})
}

func TestReadDemandForms(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte("time,service,rps\n60,a,1\n120,a,2\n")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	defaults := autoscale.DemandOptions{CPUPerRequest: 0.5, Request: 1}
	cases := []struct {
		name    string
		content string
		o       autoscale.DemandOptions
		window  time.Duration
		want    []wantService
	}{
		{"unix seconds", "time,service,rps\n1714557900,a,10\n1714558200,a,20\n", defaults, 5 * time.Minute,
			[]wantService{{"a", "2024-05-01T10:00:00Z", []float64{5, 10}, 1}}},
		{"gzip", gz.String(), defaults, time.Minute, []wantService{{"a", "1970-01-01T00:00:00Z", []float64{0.5, 1}, 1}}},
		{"offsets and fractions become UTC", "time,service,rps\n2024-05-01T12:00:30.5+02:00,a,1\n2024-05-01T10:01:30.5Z,a,1\n",
			defaults, time.Minute, []wantService{{"a", "2024-05-01T09:59:30.5Z", []float64{0.5, 0.5}, 1}}},
		{"columns in any order, BOM, quotes, spaces", "\ufeffrequest_cores, rps ,service,time\n2,4, \"a,b\",120\n,6,\"a,b\",180\n",
			defaults, time.Minute, []wantService{{"a,b", "1970-01-01T00:01:00Z", []float64{2, 3}, 2}}},
		{"a one-row service takes the file's window", "time,service,rps\n300,a,1\n300,b,4\n600,a,1\n", defaults, 5 * time.Minute,
			[]wantService{{"a", "1970-01-01T00:00:00Z", []float64{0.5, 0.5}, 1}, {"b", "1970-01-01T00:00:00Z", []float64{2}, 1}}},
		{"given window", "time,service,rps\n300,a,1\n", autoscale.DemandOptions{Window: time.Minute, CPUPerRequest: 1, Request: 1},
			time.Minute, []wantService{{"a", "1970-01-01T00:04:00Z", []float64{1}, 1}}},
		{"services start at different times", "time,service,rps,cpu_per_request\n600,a,1,2\n300,b,1,\n600,b,1,\n", defaults,
			5 * time.Minute, []wantService{{"a", "1970-01-01T00:05:00Z", []float64{2}, 1}, {"b", "1970-01-01T00:00:00Z", []float64{0.5, 0.5}, 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := readDemand(t, tc.content, tc.o)
			if d.Window != tc.window {
				t.Errorf("window %s, want %s", d.Window, tc.window)
			}
			checkServices(t, d.Services, tc.window, tc.want)
		})
	}
}

func TestReadDemandErrors(t *testing.T) {
	defaults := autoscale.DemandOptions{CPUPerRequest: 0.004, Request: 0.5}
	const hdr = "time,service,rps\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	fmt.Fprint(zw, hdr)
	for i := range 2000 {
		fmt.Fprintf(zw, "%d,a,%d\n", 300*(i+1), i*7919%1000)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	truncated := gz.String()[:gz.Len()/2]
	cases := []struct {
		name    string
		content string
		o       autoscale.DemandOptions
		want    string
		is      error
	}{
		{"empty file", "", defaults, "demand.csv:0: empty file: no header row (want time,service,rps)", nil},
		{"no rows", hdr, defaults, "demand.csv:1: no data rows after the header", nil},
		{"missing column", "time,service\n300,a\n", defaults, `demand.csv:1: missing column "rps"`, nil},
		{"unknown column", "time,service,rps,latency\n", defaults,
			`demand.csv:1: unknown column "latency" (known: time, service, rps, cpu_per_request, request_cores)`, nil},
		{"duplicate column", "time,service,rps,rps\n", defaults, `demand.csv:1: duplicate column "rps"`, nil},
		{"column count", hdr + "300,a,1\n600,a\n", defaults, "demand.csv:3: has 2 columns, the header has 3", nil},
		{"broken quotes", hdr + "300,\"a,1\n", defaults, "demand.csv:2: extraneous or missing \" in quoted-field", nil},
		{"broken gzip", "\x1f\x8b garbage", defaults, "demand.csv:0: not a valid gzip stream: ", nil},
		{"truncated gzip", truncated, defaults, ": unexpected EOF", nil},
		{"bad time", hdr + "yesterday,a,1\n", defaults, `demand.csv:2: column time: "yesterday" is neither RFC 3339 nor integer Unix seconds`, nil},
		{"time out of range", hdr + "999999999999,a,1\n", defaults, "demand.csv:2: column time: 999999999999 is out of range", nil},
		{"empty time", hdr + ",a,1\n", defaults, "demand.csv:2: column time: empty", nil},
		{"empty service", hdr + "300,,1\n", defaults, "demand.csv:2: column service: empty", nil},
		{"control character", hdr + "300,a\x01b,1\n", defaults, `demand.csv:2: column service: "a\x01b" contains a control character`, nil},
		{"negative rps", hdr + "300,a,1\n600,a,-1\n", defaults, `demand.csv:3: column rps: "-1" is negative`, nil},
		{"NaN rps", hdr + "300,a,NaN\n", defaults, `demand.csv:2: column rps: "NaN" is not a finite number`, nil},
		{"infinite rps", hdr + "300,a,+Inf\n", defaults, `demand.csv:2: column rps: "+Inf" is not a finite number`, nil},
		{"huge rps", hdr + "300,a,1e999\n", defaults, `demand.csv:2: column rps: "1e999" is not a finite number`, nil},
		{"rps not a number", hdr + "300,a,lots\n", defaults, `demand.csv:2: column rps: "lots" is not a number`, nil},
		{"empty rps", hdr + "300,a,\n", defaults, "demand.csv:2: column rps: empty", nil},
		{"unsorted times", hdr + "600,a,1\n300,b,1\n300,a,1\n", defaults,
			`demand.csv:4: service "a": 1970-01-01T00:05:00Z is before its previous row's time 1970-01-01T00:10:00Z (line 2); a service's rows must be in time order`, nil},
		{"duplicate (service, time)", hdr + "300,a,1\n300,b,1\n300,a,2\n", defaults,
			`demand.csv:4: service "a": a second row for 1970-01-01T00:05:00Z (the first is line 2)`, nil},
		{"gap", hdr + "300,a,1\n600,a,1\n1500,a,1\n", defaults,
			`demand.csv:4: service "a": no row in the 10m0s after 1970-01-01T00:10:00Z (line 3); the next is at 1970-01-01T00:25:00Z`, nil},
		{"gap in the second service", hdr + "300,a,1\n300,b,1\n600,a,1\n900,b,1\n", defaults,
			`demand.csv:5: service "b": no row in the 5m0s after 1970-01-01T00:05:00Z (line 3)`, nil},
		{"uneven spacing", hdr + "300,a,1\n600,a,1\n300,b,1\n480,b,1\n", defaults,
			`demand.csv:5: service "b": 1970-01-01T00:08:00Z is 3m0s after its previous row (line 4), not a whole number of 5m0s windows (the window set by the spacing of service "a" at lines 2 and 3)`, nil},
		{"spacing is not the given window", hdr + "300,a,1\n390,a,1\n", autoscale.DemandOptions{Window: time.Minute, CPUPerRequest: 1, Request: 1},
			`demand.csv:3: service "a": 1970-01-01T00:06:30Z is 1m30s after its previous row (line 2), not a whole number of 1m0s windows (the window given)`, nil},
		{"one row per service", hdr + "300,a,1\n300,b,1\n", defaults,
			"demand.csv:0: no service has two rows, so the window length is unknown; give it", nil},
		{"cpu_per_request changes", "time,service,rps,cpu_per_request\n300,a,1,0.004\n600,a,1,\n900,a,1,0.005\n", defaults,
			`demand.csv:4: service "a": cpu_per_request 0.005 differs from 0.004 at line 2; it is one value per service`, nil},
		{"request_cores changes", "time,service,rps,request_cores\n300,a,1,1\n600,a,1,2\n", defaults,
			`demand.csv:3: service "a": request_cores 2 differs from 1 at line 2`, nil},
		{"zero cpu_per_request", "time,service,rps,cpu_per_request\n300,a,1,0\n", defaults,
			`demand.csv:2: column cpu_per_request: "0" must be positive (leave the cell empty for none)`, nil},
		{"negative request_cores", "time,service,rps,request_cores\n300,a,1,-2\n", defaults,
			`demand.csv:2: column request_cores: "-2" is negative`, nil},
		{"no cpu_per_request", "time,service,rps,cpu_per_request\n300,a,1,0.1\n600,a,1,\n300,b,1,\n600,b,1,\n",
			autoscale.DemandOptions{Request: 1},
			`demand.csv: service "b" (first row at line 4): no cpu_per_request: its rows give none and there is no default`, autoscale.ErrNoCPUPerRequest},
		{"no request_cores", hdr + "300,a,1\n600,a,1\n", autoscale.DemandOptions{CPUPerRequest: 1},
			`demand.csv: service "a" (first row at line 2): no request_cores (the starting CPU request per pod): its rows give none and there is no default`, autoscale.ErrNoRequest},
		{"cores overflow", "time,service,rps,cpu_per_request\n300,a,1e308,10\n600,a,1,\n", defaults,
			`demand.csv: service "a" at 1970-01-01T00:05:00Z: 1e+308 requests/s × 10 core-s per request is not a finite number of cores`, nil},
		{"negative default", hdr + "300,a,1\n", autoscale.DemandOptions{CPUPerRequest: -1},
			"demand.csv: default cpu_per_request -1 must be a non-negative number", nil},
		{"negative window", hdr + "300,a,1\n", autoscale.DemandOptions{Window: -time.Minute},
			"demand.csv: window -1m0s must not be negative", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := autoscale.ReadDemand(strings.NewReader(tc.content), "demand.csv", tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
		})
	}
}

// sameServices requires identical services: names, starts, requests and
// every window's demand bit for bit.
func sameServices(t *testing.T, got, want []autoscale.Service) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d services, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || !g.Start.Equal(w.Start) || g.Request != w.Request || !reflect.DeepEqual(g.Demand, w.Demand) {
			t.Errorf("service %d: %s from %v, request %v, %d windows; want %s from %v, request %v, %d windows",
				i, g.Name, g.Start, g.Request, len(g.Demand.Segments), w.Name, w.Start, w.Request, len(w.Demand.Segments))
		}
	}
}

// A written file reads back as the same services: exactly with a
// power-of-two cost per request, within a rounding with 0.004.
func TestWriteDemandRoundTrip(t *testing.T) {
	services := []autoscale.Service{synthetic(t, "web", 1, 0.5), synthetic(t, "api, v2", 2, 2)}
	services[1].Start = t0.Add(90 * time.Minute)
	var buf bytes.Buffer
	if err := autoscale.WriteDemand(&buf, services, 1.0/256); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "time,service,rps,cpu_per_request,request_cores\n2024-01-01T00:05:00Z,web,") {
		t.Errorf("file starts %q", buf.String()[:120])
	}
	d := readDemand(t, buf.String(), autoscale.DemandOptions{})
	sameServices(t, d.Services, services)
	if d.Window != 5*time.Minute || d.Rows != 4*288 {
		t.Errorf("window %s, %d rows", d.Window, d.Rows)
	}

	buf.Reset()
	if err := autoscale.WriteDemand(&buf, services, 0.004); err != nil {
		t.Fatal(err)
	}
	d = readDemand(t, buf.String(), autoscale.DemandOptions{})
	for i, s := range d.Services {
		for j, seg := range s.Demand.Segments {
			if want := services[i].Demand.Segments[j].Value; !near(seg.Value, want) {
				t.Fatalf("%s window %d: %v cores, want %v", s.Name, j, seg.Value, want)
			}
		}
	}
}

func TestWriteDemandErrors(t *testing.T) {
	a := service(t, "a", 5*time.Minute, 1, 1, 2)
	cases := []struct {
		name     string
		services []autoscale.Service
		cpr      float64
		want     string
	}{
		{"no cost", []autoscale.Service{a}, 0, "cpu_per_request 0 must be a positive number"},
		{"no services", nil, 1, "no services"},
		{"two windows", []autoscale.Service{a, service(t, "b", time.Minute, 1, 1)}, 1,
			"service b: window 0s..1m0s is not 5m0s long like the first service's"},
		{"invalid service", []autoscale.Service{a, service(t, "b", 5*time.Minute, 0, 1)}, 1, "service b: CPU request 0"},
		{"name with spaces", []autoscale.Service{service(t, " b", 5*time.Minute, 1, 1)}, 1, `service " b": the name has`},
		{"rate overflows", []autoscale.Service{service(t, "b", 5*time.Minute, 1, 1e300)}, 1e-300, "is not a finite rate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := autoscale.WriteDemand(&bytes.Buffer{}, tc.services, tc.cpr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// The rps path on the real Google jobs: a demand file of rps = cores /
// cpu_per_request (gzip-compressed, one row per job per 5-minute window)
// gives back the services the trace path builds, bit for bit, and every
// policy scores exactly the same on them. The cost is 2^-8 core-s per
// request (about 0.004), so rps × cost undoes cores / cost exactly.
func TestDemandMatchesGoogleCores(t *testing.T) {
	data := shareddata.Dir(t, "google-2019-tasks")
	r, ds, err := trace.Open(data, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cores, err := autoscale.Services(r, autoscale.DatasetMapping(ds.Name))
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	zw := gzip.NewWriter(&file)
	if err := autoscale.WriteDemand(zw, cores, 1.0/256); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := autoscale.ReadDemand(&file, "google.csv.gz", autoscale.DemandOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameServices(t, d.Services, cores)
	if len(cores) != 2 || d.Window != 5*time.Minute {
		t.Fatalf("%d services, window %s; want the 2 jobs in 5-minute windows", len(cores), d.Window)
	}
	policies := append(autoscale.StaticTargets(), autoscale.DefaultTortoise(), autoscale.DefaultTailor())
	cfg := autoscale.DefaultConfig()
	cfg.Workers = 2
	want, err := autoscale.Replay(cores, policies, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := autoscale.Replay(d.Services, policies, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range want.Policies {
		if !reflect.DeepEqual(got.Policies[i], p) {
			t.Errorf("%s: rps path %+v, cores path %+v", p.Name, got.Policies[i].Total, p.Total)
		}
		if p.Total.OverloadMinutes == 0 && p.Total.ScaleEvents == 0 {
			t.Errorf("%s: nothing happened on the Google jobs: %+v", p.Name, p.Total)
		}
	}
}
