package slo

import (
	"fmt"
	"io/fs"
)

// Generate returns every generated file, keyed by its path relative to the
// monitoring directory: the SLO rules and their tests in both profiles, and
// the Kubernetes manifests built from them and from the hand-written files
// in monitoring, which it reads from dir.
func Generate(spec Spec, dir fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, prof := range []struct {
		Profile
		dir string
	}{{Production, "prometheus/"}, {Fast, "testdata/slo-fast/"}} {
		gens := map[string]func(Spec, Profile) ([]byte, error){
			"slo-rules.yml":  RecordingRules,
			"slo-alerts.yml": Alerts,
			"slo_test.yml":   Tests,
		}
		if prof.Profile == Production {
			// The fast profile's rules are the same but for their
			// windows; its quick tests show that they scale.
			gens["slo_long_test.yml"] = LongTests
		}
		for name, gen := range gens {
			b, err := gen(spec, prof.Profile)
			if err != nil {
				return nil, fmt.Errorf("%s%s: %w", prof.dir, name, err)
			}
			files[prof.dir+name] = b
		}
	}
	k8s, err := kubernetes(files, dir)
	if err != nil {
		return nil, err
	}
	for name, b := range k8s {
		files[name] = b
	}
	return files, nil
}
