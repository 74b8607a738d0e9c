package bench

import (
	"os"
	"strings"
	"testing"
)

// readmePeer is how the README's Switching table names each peer.
var readmePeer = map[string]string{
	peerV1: "go-grpc-prometheus",
	peerV2: "go-grpc-middleware",
}

// TestReadmeSwitchingTable keeps the README's table of the peers'
// differences in step with knownDifferences: each known difference has a
// row for its peer (or "both") naming its metric families, and each row's
// families differ for the peers it names.
func TestReadmeSwitchingTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Switching\n")
	if !ok {
		t.Fatal("README has no Switching section")
	}
	section, _, _ = strings.Cut(section, "\n## ")

	type row struct {
		peers    []string
		families map[string]bool
	}
	var rows []row
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") || strings.TrimSpace(cells[1]) == "Peer" {
			continue
		}
		r := row{families: map[string]bool{}}
		switch p := strings.TrimSpace(cells[1]); p {
		case "both":
			r.peers = []string{peerV1, peerV2}
		default:
			for full, short := range readmePeer {
				if short == p {
					r.peers = []string{full}
				}
			}
			if r.peers == nil {
				t.Errorf("README row names an unknown peer %q", p)
			}
		}
		for _, f := range strings.Split(cells[2], "`") {
			if strings.HasPrefix(f, "grpc_") {
				r.families[f] = true
			}
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatal("no rows in the README's Switching table")
	}

	// families[peer][family] holds the families known to differ.
	families := map[string]map[string]bool{}
	for _, k := range knownDifferences {
		if families[k.peer] == nil {
			families[k.peer] = map[string]bool{}
		}
		for _, d := range k.series {
			name, _, _ := strings.Cut(d.Series, "{")
			families[k.peer][name] = true
			found := false
			for _, r := range rows {
				for _, p := range r.peers {
					found = found || (p == k.peer && r.families[name])
				}
			}
			if !found {
				t.Errorf("no README row for %s: %s (%s)", readmePeer[k.peer], name, k.reason)
			}
		}
	}
	for _, r := range rows {
		for _, p := range r.peers {
			for f := range r.families {
				if !families[p][f] {
					t.Errorf("README row for %s names %s, which knownDifferences does not list", readmePeer[p], f)
				}
			}
		}
	}
}
