// Command slo generates grpcprom's SLO rules, their promtool tests and the
// Kubernetes manifests from a short spec.
//
// Usage, from the repository root:
//
//	go run ./monitoring/cmd/slo [-objective 99.9] [-latency 0.25] [-profile production|fast] [-file rules|alerts|tests|long-tests]
//	go run ./monitoring/cmd/slo -w [-dir monitoring]
//
// The first form prints one file to standard output: the recording rules
// (the default), the alerts, or their promtool tests (two files: the long ones
// evaluate every 1h). The second writes
// every generated file under the monitoring directory, both profiles and
// the Kubernetes manifests included; make slo runs it. The defaults are
// what is shipped.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/seed-db7adb15/grpcprom/monitoring/slo"
)

func main() {
	spec := slo.Default
	flag.StringVar(&spec.Objective, "objective", spec.Objective, "objective of both SLOs, in percent")
	flag.StringVar(&spec.Latency, "latency", spec.Latency, "latency threshold in seconds, a bucket bound of grpc_server_handling_seconds")
	profile := flag.String("profile", slo.Production.Name, "window profile: production, or fast (every window / 60, tests only)")
	file := flag.String("file", "rules", "what to print: rules, alerts, tests or long-tests")
	write := flag.Bool("w", false, "write every generated file under -dir instead of printing one")
	dir := flag.String("dir", "monitoring", "the monitoring directory, for -w")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments %q", flag.Args()))
	}
	if *write {
		files, err := slo.Generate(spec, os.DirFS(*dir))
		if err != nil {
			fail(err)
		}
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			path := filepath.Join(*dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				fail(err)
			}
			if err := os.WriteFile(path, files[name], 0o644); err != nil {
				fail(err)
			}
			fmt.Fprintln(os.Stderr, "wrote", path)
		}
		return
	}
	var prof slo.Profile
	switch *profile {
	case slo.Production.Name:
		prof = slo.Production
	case slo.Fast.Name:
		prof = slo.Fast
	default:
		fail(fmt.Errorf("unknown -profile %q: want production or fast", *profile))
	}
	var out []byte
	var err error
	switch *file {
	case "rules":
		out, err = slo.RecordingRules(spec, prof)
	case "alerts":
		out, err = slo.Alerts(spec, prof)
	case "tests":
		out, err = slo.Tests(spec, prof)
	case "long-tests":
		out, err = slo.LongTests(spec, prof)
	default:
		err = fmt.Errorf("unknown -file %q: want rules, alerts, tests or long-tests", *file)
	}
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "slo:", err)
	os.Exit(2)
}
