// Command tailor right-sizes Kubernetes workloads. See README.md.
package main

import (
	"os"

	"tailor.dev/tailor/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
