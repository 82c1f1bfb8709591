// Package trace streams container usage samples out of trace files: our own
// "tailor" CSV format and three public datasets (Bitbrains GWA-T-12,
// Google cluster-data 2019 per-task extracts, Azure Public Dataset V1 CPU
// readings). It owns file discovery, format detection, unit conversion to
// workload.Sample and row validation; docs/formats/trace.md describes every
// format and mapping.
//
// Readers stream: they hold one file and one row at a time (plus the last
// timestamp of every container, to enforce per-container time order), never a
// whole dataset. Files may be plain or gzip-compressed (detected by magic
// bytes). Bad input is reported as *ParseError naming the file and the 1-based
// line.
//
// Writer writes the tailor format, so any trace can be converted with
//
//	r, _, _ := trace.Open(path, "")
//	w := trace.NewWriter(out)
//	for s, err := r.Next(); err == nil; s, err = r.Next() { w.Write(s) }
//	w.Flush()
package trace
