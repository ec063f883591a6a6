package parley_test

import (
	"os/exec"
	"strings"
	"testing"
)

// kernel lists the packages that serve every domain and may name none.
var kernel = []string{"", "access", "record", "internal/jsontop", "store", "store/sqlite", "store/postgres", "store/storetest",
	"app", "auth", "audit", "fault", "files", "proof", "httpapi", "web", "server", "ledger", "witness", "worddiff", "i18n"}

// TestKernelNamesNoDomain: the kernel's packages import, of this module,
// only the kernel's own; domains (and the demo scenario, and the binary's
// wiring) are wired in by cmd/parley alone.
func TestKernelNamesNoDomain(t *testing.T) {
	const module = "github.com/parley-project/parley"
	allowed := map[string]bool{}
	var pkgs []string
	for _, k := range kernel {
		p := module
		if k != "" {
			p += "/" + k
		}
		allowed[p] = true
		pkgs = append(pkgs, p)
	}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if (dep == module || strings.HasPrefix(dep, module+"/")) && !allowed[dep] {
			t.Errorf("the kernel imports %s, which is not a kernel package", dep)
		}
	}
}

// TestDomainsImportNoDomain: a domain (and its pages) imports no other
// domain; what it needs of another's records it names by kind, and the
// registry checks at start-up that the kind is there.
func TestDomainsImportNoDomain(t *testing.T) {
	const module = "github.com/parley-project/parley"
	domains := []string{"talks", "negotiation", "monitor", "ceasefire", "energy", "reconstruction", "translation"}
	for _, d := range domains {
		out, err := exec.Command("go", "list", "-deps", module+"/"+d+"/...").CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, other := range domains {
				if other != d && (dep == module+"/"+other || strings.HasPrefix(dep, module+"/"+other+"/")) {
					t.Errorf("domain %s imports %s, of domain %s", d, dep, other)
				}
			}
		}
	}
}
