package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goModule is a scratch Go module under the cache directory in which one
// component is built; every go command's output is appended to log.
type goModule struct {
	dir string
	log string
}

// write replaces the module's directory with the given files.
func (m goModule) write(files map[string]string) error {
	if err := os.RemoveAll(m.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(m.dir, 0o755); err != nil {
		return err
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(m.dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// run runs the go command in the module with stdout to stdout (the log when
// nil) and stderr to the log; a failure quotes the log's last lines.
func (m goModule) run(ctx context.Context, stdout io.Writer, args ...string) error {
	logf, err := os.OpenFile(m.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n$ go %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = m.dir, goEnv(), stdout, logf
	if stdout == nil {
		cmd.Stdout = logf
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w (log %s):\n%s", args[0], err, m.log, tailFile(m.log, 25))
	}
	return nil
}

// build compiles pkgs into binDir, small and without local paths.
func (m goModule) build(ctx context.Context, binDir string, ldflags string, pkgs ...string) error {
	if err := m.run(ctx, nil, "mod", "tidy"); err != nil {
		return err
	}
	out := binDir
	if len(pkgs) == 1 {
		out = filepath.Join(binDir, filepath.Base(pkgs[0]))
	}
	args := []string{"build", "-trimpath", "-ldflags=-s -w " + ldflags, "-o", out}
	return m.run(ctx, nil, append(args, pkgs...)...)
}

// modFile returns the text of go.mod of module path@version, downloading it
// into the module cache if needed.
func (m goModule) modFile(ctx context.Context, path, version string) (string, error) {
	var out bytes.Buffer
	if err := m.run(ctx, &out, "mod", "download", "-json", path+"@"+version); err != nil {
		return "", err
	}
	var info struct{ GoMod string }
	if err := json.Unmarshal(out.Bytes(), &info); err != nil || info.GoMod == "" {
		return "", fmt.Errorf("go mod download %s@%s: no go.mod in %q", path, version, out.String())
	}
	text, err := os.ReadFile(info.GoMod)
	return string(text), err
}

// goEnv is the environment of the go commands: modules resolved freely
// (-mod=mod, keeping the caller's other GOFLAGS), static binaries, no workspace.
func goEnv() []string {
	flags := []string{"-mod=mod"}
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		if !strings.HasPrefix(f, "-mod=") {
			flags = append(flags, f)
		}
	}
	return append(os.Environ(), "GOFLAGS="+strings.Join(flags, " "), "CGO_ENABLED=0", "GOWORK=off")
}

// toolsGo is a file that makes `go mod tidy` require the modules of pkgs.
func toolsGo(pkgs ...string) string {
	var b strings.Builder
	b.WriteString("//go:build tools\n\npackage tools\n\nimport (\n")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "\t_ %q\n", p)
	}
	b.WriteString(")\n")
	return b.String()
}

// scratchGoMod is the go.mod of a scratch module requiring path@version.
func scratchGoMod(name, path, version string) string {
	return fmt.Sprintf("module tailorlab/%s\n\ngo 1.25.0\n\nrequire %s %s\n", name, path, version)
}
