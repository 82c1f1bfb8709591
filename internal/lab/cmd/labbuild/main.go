// Command labbuild builds and caches the lab cluster's binaries (see
// internal/lab) and prints the directory that holds them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"tailor.dev/tailor/internal/lab"
)

func main() {
	cacheDir := flag.String("cache-dir", "", "cache directory (default: $XDG_CACHE_HOME/tailor-lab)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	bins, err := lab.BuildLog(ctx, *cacheDir, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "lab: binaries ready in %s\n", time.Since(start).Round(time.Second))
	fmt.Println(bins.Dir)
}
