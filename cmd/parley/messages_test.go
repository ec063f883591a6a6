package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	kernel "github.com/parley-project/parley"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/web"
)

// TestMessagesComplete fails when a message the UI may show lacks its
// Ukrainian or Russian translation. It finds the messages where they are
// written: the literals templates pass to t and word, the literals code
// passes to a T or Word method and the formats of refusals (Errorf,
// fault.New and app's newError), and the labels of every kind, field and option of the
// binary's domains and of its sections' navigation. Pages rendered in each
// language (TestPagesInEveryLanguage) catch what is built at run time.
func TestMessagesComplete(t *testing.T) {
	msgs, err := web.Messages(sections())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range msgs.Conflicts() {
		t.Error(c)
	}
	used := map[string][]string{} // key -> where
	add := func(key, where string) {
		if key != "" && strings.TrimSpace(key) != "" {
			used[key] = append(used[key], where)
		}
	}
	root := filepath.Join("..", "..")
	tmplCall := regexp.MustCompile(`[{(]-?\s*(?:t|word)\s+("(?:[^"\\]|\\.)*")`)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "node_modules" || n == "testdata" || strings.HasPrefix(n, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case strings.HasSuffix(path, ".html") && strings.Contains(filepath.ToSlash(path), "/templates/"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range tmplCall.FindAllStringSubmatchIndex(string(b), -1) {
				s, err := strconv.Unquote(string(b[m[2]:m[3]]))
				if err != nil {
					t.Errorf("%s: %v", rel, err)
					continue
				}
				add(s, rel+":"+strconv.Itoa(1+strings.Count(string(b[:m[0]]), "\n")))
			}
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			if !uiPackage(rel) {
				return nil
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if kv, ok := n.(*ast.KeyValueExpr); ok {
					// A refusal made with its format: Error{Format: "..."}.
					if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Format" {
						if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if s, err := strconv.Unquote(lit.Value); err == nil {
								add(s, rel+":"+strconv.Itoa(fset.Position(lit.Pos()).Line))
							}
						}
					}
					return true
				}
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				name, pkg := callee(call)
				var arg int
				switch {
				case name == "T" || name == "Word":
					arg = firstStringLit(call)
				case (name == "Errorf" || name == "Conflictf") && (pkg == "parley" || pkg == "kernel" || pkg == ""):
					arg = 1
				case name == "New" && pkg == "fault", name == "newError" && pkg == "":
					arg = 2
				default:
					return true
				}
				if arg < 0 || arg >= len(call.Args) {
					return true
				}
				if lit, ok := call.Args[arg].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						add(s, rel+":"+strconv.Itoa(fset.Position(lit.Pos()).Line))
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range registry().Kinds() {
		where := "kind " + k.Name
		add(k.Title, where)
		add(strings.ReplaceAll(k.Collection, "-", " "), where)
		var fields func([]kernel.Field)
		fields = func(fs []kernel.Field) {
			for _, f := range fs {
				add(f.LabelText(), where+"."+f.Name)
				add(f.Help, where+"."+f.Name)
				for _, o := range f.Enum {
					add(o.Label, where+"."+f.Name)
				}
				fields(f.Fields)
				if f.Elem != nil {
					fields([]kernel.Field{*f.Elem})
					fields(f.Elem.Fields)
				}
			}
		}
		fields(k.Fields)
	}
	for _, sec := range sections() {
		for _, n := range sec.Nav() {
			add(n.Label, "navigation")
		}
	}
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	missing := 0
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		for _, k := range keys {
			if !msgs.Has(lang, k) {
				missing++
				if missing <= 200 {
					t.Errorf("%s.json lacks %q (used at %s)", lang, k, strings.Join(used[k][:min(3, len(used[k]))], ", "))
				}
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d messages in all are missing from the catalogues", missing)
	}
	t.Logf("%d messages used, each in %d languages", len(keys), len(i18n.Languages))
}

// uiPackage reports whether the Go file at rel (from the module's root)
// belongs to code whose messages reach the UI: the kernel, the domains and
// their sections, not the command line's own output or tools.
func uiPackage(rel string) bool {
	rel = filepath.ToSlash(rel)
	for _, p := range []string{"cmd/", "scripts/", "internal/", "witness/", "ledger/", "proof/", "store/", "audit/"} {
		if strings.HasPrefix(rel, p) {
			return false
		}
	}
	return true
}

// callee names the function a call calls and the package or receiver it
// is selected from ("" when it is called by its bare name).
func callee(call *ast.CallExpr) (name, pkg string) {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name, ""
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			return f.Sel.Name, id.Name
		}
		return f.Sel.Name, "?"
	}
	return "", ""
}

func firstStringLit(call *ast.CallExpr) int {
	for i, a := range call.Args {
		if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			return i
		}
	}
	return -1
}
