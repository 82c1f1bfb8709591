package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// shutdownTimeout bounds the graceful shutdown after SIGTERM.
const shutdownTimeout = 10 * time.Second

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "goservice:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		logger.Error("listen failed", "addr", cfg.addr, "err", err)
		os.Exit(1)
	}
	if err := run(ctx, cfg, ln, logger); err != nil {
		logger.Error("goservice failed", "err", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("goservice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.IntVar(&c.liveHeapMiB, "live-heap-mib", 64, "MiB of pointer-rich heap held for the process lifetime (GC mark work per cycle)")
	fs.IntVar(&c.work, "work", 400, "CPU work per /work request, in 16 KiB SHA-256 blocks")
	fs.IntVar(&c.allocKiB, "alloc-kib", 1024, "KiB of short-lived garbage allocated per /work request (GC frequency)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, c.validate()
}

// run builds the live heap, serves on ln until ctx is done, then shuts
// down gracefully: in-flight requests finish, new connections are refused.
func run(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger) error {
	start := time.Now()
	svc := newService(cfg)
	srv := &http.Server{Handler: svc.routes(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("goservice listening", "addr", ln.Addr().String(), "live_heap_mib", cfg.liveHeapMiB,
		"work", cfg.work, "alloc_kib", cfg.allocKiB, "gomaxprocs", runtime.GOMAXPROCS(0), "startup", time.Since(start))
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("goservice shutting down", "requests", svc.requests.Load())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
