package trace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Formats are the trace formats Open and NewReader understand.
var Formats = []string{"tailor", "bitbrains", "google2019", "azure"}

// spec is how one format is read.
type spec struct {
	comma  rune
	decode func(*rows) (decoder, error) // reads the header, then records
}

var specs = map[string]spec{
	"tailor":     {comma: ',', decode: newTailor},
	"bitbrains":  {comma: ';', decode: newBitbrains},
	"google2019": {comma: ',', decode: newGoogle},
	"azure":      {comma: ',', decode: newAzure},
}

// Open reads the trace at path, a file or a folder, in format ("" detects it
// from the folder layout and the first file's header). A folder's data files
// are the .csv and .csv.gz files of its subfolders (one level down; files
// next to the subfolders, such as MANIFEST.csv, are ignored) or, when it has
// none, its own .csv and .csv.gz files, read in sorted order; an Azure folder
// is read from cpu_avg_pct_5min.csv(.gz). Files are opened one at a time as
// the Reader advances.
func Open(path, format string) (Reader, Dataset, error) {
	if format != "" && !slices.Contains(Formats, format) {
		return nil, Dataset{}, fmt.Errorf("open trace %s: unknown format %q (want one of %s)",
			path, format, strings.Join(Formats, ", "))
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, Dataset{}, fmt.Errorf("open trace: %w", err)
	}
	files := []string{path}
	if info.IsDir() {
		files, format, err = folderFiles(path, format)
	} else if format == "" {
		format, err = detectFile(path)
	}
	if err != nil {
		return nil, Dataset{}, fmt.Errorf("open trace %s: %w", path, err)
	}
	ds, err := dataset(path, format, files)
	if err != nil {
		return nil, Dataset{}, fmt.Errorf("open trace %s: %w", path, err)
	}
	return newChain(specs[format], files), ds, nil
}

// NewReader reads one stream in format (detection needs a file: use Open).
// name is used in errors and, for bitbrains, as the VM id ("<vm>.csv.gz").
// The header is read now. Close does not close r.
func NewReader(r io.Reader, name, format string) (Reader, error) {
	sp, ok := specs[format]
	if !ok {
		return nil, fmt.Errorf("read trace %s: unknown format %q (want one of %s)",
			name, format, strings.Join(Formats, ", "))
	}
	rs, err := newRows(r, name, sp.comma)
	if err != nil {
		return nil, err
	}
	c := newChain(sp, nil)
	if err := c.start(rs); err != nil {
		return nil, err
	}
	return c, nil
}

func dataset(path, format string, files []string) (Dataset, error) {
	ds := Dataset{Name: filepath.Base(filepath.Clean(path)), Format: format, CPUOnly: format == "azure"}
	if format != "tailor" {
		return ds, nil
	}
	ds.CPUOnly = true
	for _, f := range files {
		mem, err := tailorHasMemory(f)
		if err != nil {
			return ds, err
		}
		ds.CPUOnly = ds.CPUOnly && !mem
	}
	return ds, nil
}

// folderFiles lists the data files of dir in reading order and detects the
// format when it is "".
func folderFiles(dir, format string) ([]string, string, error) {
	if format == "" || format == "azure" {
		if avg := azureFile(dir); avg != "" {
			return []string{avg}, "azure", nil
		}
		if format == "azure" {
			return nil, "", fmt.Errorf("no %s or %s.gz", azureAvgFile, azureAvgFile)
		}
	}
	files, err := dataFiles(dir)
	if err != nil {
		return nil, "", err
	}
	if format == "" {
		if format, err = detectFile(files[0]); err != nil {
			return nil, "", err
		}
	}
	if format == "bitbrains" {
		slices.SortStableFunc(files, bitbrainsOrder)
	}
	return files, format, nil
}

// azureFile is the Azure average-CPU file in dir, "" when there is none.
func azureFile(dir string) string {
	for _, name := range []string{azureAvgFile + ".gz", azureAvgFile} {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// dataFiles lists the .csv(.gz) files of dir's subfolders, or of dir itself
// when the subfolders have none.
func dataFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var sub []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			files, err := csvFiles(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			sub = append(sub, files...)
		}
	}
	if len(sub) > 0 {
		return sub, nil
	}
	files, err := csvFiles(dir)
	if err == nil && len(files) == 0 {
		err = errors.New("no .csv or .csv.gz files in the folder or its subfolders")
	}
	return files, err
}

// csvFiles lists the .csv and .csv.gz files directly in dir, sorted.
func csvFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		csv := strings.HasSuffix(name, ".csv") || strings.HasSuffix(name, ".csv.gz")
		if csv && !e.IsDir() && !strings.HasPrefix(name, ".") {
			files = append(files, filepath.Join(dir, name))
		}
	}
	return files, nil
}

// detectFile detects the format of a file from its first line.
func detectFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	in, gz, err := decompress(f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if gz != nil {
		defer gz.Close()
	}
	line, err := bufio.NewReader(io.LimitReader(in, 1<<20)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	format := detect(line)
	if format == "" {
		return "", fmt.Errorf("cannot detect the format of %s from its header %.80q; name one of %s",
			path, line, strings.Join(Formats, ", "))
	}
	return format, nil
}

// detect names the format whose header line this is, "" when none matches.
func detect(header string) string {
	header = strings.TrimPrefix(strings.TrimSpace(header), "\ufeff")
	if strings.Contains(header, ";\t") && strings.HasPrefix(header, "Timestamp") {
		return "bitbrains"
	}
	cols := strings.Split(header, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	has := func(name string) bool { return slices.Contains(cols, name) }
	switch {
	case has("unique_id") && has("time"):
		return "google2019"
	case has("offset_s"):
		return "azure"
	case has("timestamp") && has("workload") && has("container"):
		return "tailor"
	}
	return ""
}
