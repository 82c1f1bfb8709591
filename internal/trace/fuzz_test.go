package trace_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// fuzzRead reads data in format and checks that nothing but *ParseError
// comes out as an error and that every sample honours the Reader contract.
func fuzzRead(t *testing.T, name, format string, data []byte) []workload.Sample {
	r, err := trace.NewReader(bytes.NewReader(data), name, format)
	if err != nil {
		mustParseError(t, err)
		return nil
	}
	defer r.Close()
	c := newContract()
	var out []workload.Sample
	for {
		s, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			mustParseError(t, err)
			return out
		}
		c.check(t, s)
		out = append(out, s)
	}
}

func mustParseError(t *testing.T, err error) {
	t.Helper()
	var pe *trace.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
}

// addSeeds adds each seed as is and gzip-compressed, plus the testdata files.
func addSeeds(f *testing.F, seeds []string, files ...string) {
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, string(data))
	}
	for _, s := range seeds {
		f.Add([]byte(s))
		f.Add(gzipBytes(f, s))
	}
}

func FuzzTailorCSV(f *testing.F) {
	const h = "timestamp,workload,container,cpu_cores,memory_bytes\n"
	addSeeds(f, []string{
		h + "1,w,c,1,2\n2,w,c,,3\n",
		h + "2024-01-01T00:00:00.5+02:00,w,c,1e3,0x1p4\n",
		"memory_bytes,container,workload,timestamp,interval_seconds,throttled_fraction,oom_killed\n5,c,w,7,0.001,1,true\n",
		h + "1,\"w,x\",c,1,2\n1,w,\"c\"\"\",1,2\n",
		h + "1,w,c,NaN,2\n", h + "-5,w,c,1,-1\n", "timestamp,workload\n",
	}, "testdata/tailor/example.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzzRead(t, "f.csv", "tailor", data)
		var buf bytes.Buffer
		w := trace.NewWriter(&buf)
		for _, s := range in {
			if err := w.Write(s); err != nil {
				t.Fatalf("Write(%+v): %v", s, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		out := fuzzRead(t, "rt.csv", "tailor", buf.Bytes())
		if len(out) != len(in) {
			t.Fatalf("round trip: read %d samples back, wrote %d\n%s", len(out), len(in), buf.String())
		}
		for i := range in {
			if !sameSample(in[i], out[i]) {
				t.Fatalf("round trip sample %d:\nwrote %+v\nread  %+v", i, in[i], out[i])
			}
		}
	})
}

func FuzzBitbrains(f *testing.F) {
	row := bbRow(1372600000, "1", "2600", "52", "2097152.0", "262144.0")
	addSeeds(f, []string{
		bbHeader + row + bbRow(1372630104, "4", "10400", "5200", "1024", "512"),
		bbHeader + bbRow(1, "0", "0", "1", "1", "1"),
		bbHeader + bbRow(1, "1e-300", "1e300", "1e300", "1e300", "1e300"),
		bbHeader + row + row,
	}, "testdata/bitbrains/2013-7/1.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "10.csv", "bitbrains", data)
	})
}

func FuzzGoogle(f *testing.F) {
	addSeeds(f, []string{
		googleHeader + gRow("900078000000", "0.5", "0.001") + gRow("900300000000", "0.25", "0.002"),
		googleHeader + gRow("600", "0.1", "0.003") + gRow("600", "0.2", "0.0001") + gRow("300", "1", "1"),
		googleHeader + gRow("9223372036854775", "1e308", "1e308"),
	}, "testdata/google2019/job7/3-300000000-600000000.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "g.csv", "google2019", data)
	})
}

func FuzzAzure(f *testing.F) {
	addSeeds(f, []string{
		"step,offset_s,11,22\n1,0,50,0\n2,300,100,12.5\n",
		"offset_s,a\n9223372036,1e308\n",
		"step,offset_s,11\n1,0,1\n2,0,1\n",
	}, "testdata/azure/cpu_avg_pct_5min.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "a.csv", "azure", data)
	})
}
