package parley_test

import (
	"os/exec"
	"strings"
	"testing"
)

// kernel lists the packages that serve every domain and may name none.
var kernel = []string{"", "access", "record", "store", "store/sqlite", "store/postgres", "store/storetest",
	"app", "auth", "audit", "fault", "files", "proof", "httpapi", "web", "server", "ledger", "witness", "worddiff"}

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
