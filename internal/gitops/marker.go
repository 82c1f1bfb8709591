package gitops

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// MarkerFile is written into every export directory. It lists the files
// tailor wrote there with their SHA-256, so that a later export can tell a
// directory it may replace (only those files, unchanged) from anything else.
const MarkerFile = ".tailor-export"

const markerHeader = "# Written by tailor export: the files of this directory and their SHA-256.\n" +
	"# tailor replaces the directory only while it holds these files, unchanged, and nothing else.\n"

// renderMarker lists files (sorted by path) with their checksums.
func renderMarker(files Files) []byte {
	var b bytes.Buffer
	b.WriteString(markerHeader)
	for _, f := range files {
		fmt.Fprintf(&b, "%s  %s\n", checksum(f.Data), f.Path)
	}
	return b.Bytes()
}

func checksum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// parseMarker reads a marker into path -> checksum.
func parseMarker(data []byte) (map[string]string, error) {
	out := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, path, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != sha256.Size*2 || path == "" {
			return nil, fmt.Errorf("%s line %d: want \"<sha256>  <path>\", got %q", MarkerFile, n, line)
		}
		out[path] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", MarkerFile, err)
	}
	return out, nil
}

// maxListed is how many offending paths an error quotes.
const maxListed = 5

// checkOwned reports whether an existing export directory holding the files
// at paths (slash-separated, relative) may be replaced: it must hold a
// marker, and every other file must be listed in it with the same
// checksum. Files the marker lists that are gone do not matter. read returns
// a file's content. An empty directory is owned.
func checkOwned(paths []string, read func(path string) ([]byte, error)) error {
	if len(paths) == 0 {
		return nil
	}
	if !slices.Contains(paths, MarkerFile) {
		return fmt.Errorf("holds files tailor did not write (no %s): %s", MarkerFile, listSome(paths))
	}
	data, err := read(MarkerFile)
	if err != nil {
		return err
	}
	sums, err := parseMarker(data)
	if err != nil {
		return err
	}
	var foreign, edited []string
	for _, p := range paths {
		if p == MarkerFile {
			continue
		}
		sum, ok := sums[p]
		if !ok {
			foreign = append(foreign, p)
			continue
		}
		data, err := read(p)
		if err != nil {
			return err
		}
		if checksum(data) != sum {
			edited = append(edited, p)
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("holds files tailor did not write: %s", listSome(foreign))
	}
	if len(edited) > 0 {
		return fmt.Errorf("files changed since tailor wrote them: %s", listSome(edited))
	}
	return nil
}

// listSome quotes the first few paths and says how many more there are.
func listSome(paths []string) string {
	sorted := slices.Sorted(slices.Values(paths))
	if len(sorted) <= maxListed {
		return strings.Join(sorted, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(sorted[:maxListed], ", "), len(sorted)-maxListed)
}
