package web

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/store"
)

// Section is a domain's part of the UI: its own pages, beside the pages the
// kernel generates for every kind (lists, items, forms) and its own (records,
// the transparency log, signing in). A domain's section lives with the
// domain (talks/web) and is handed to New in the binary's wiring; this
// package names none.
type Section interface {
	// Nav lists the section's entries in the site's navigation, in order.
	Nav() []NavItem
	// Templates returns the section's page templates and the functions
	// they use beyond the kernel's. Every *.html file at the root of the
	// FS is a page that defines "content", rendered inside the kernel's
	// layout; files whose names start with "_" hold partials that every
	// page of the section may use. The kernel's partials ("audience",
	// "reclink") and functions (label, when, day, article...) are there
	// too. Page names are unique across sections.
	Templates() (fs.FS, template.FuncMap)
	// Routes registers the section's pages on site.
	Routes(site *Site)
}

// RecordLinker is a Section with pages about other domains' entities
// (their translations): an entity's page links them.
type RecordLinker interface {
	RecordLinks(k parley.Kind, e store.Entity) []NavItem
}

// NameSource is a Section that knows entities' names in other languages
// than the one they were recorded in (their translations, as records):
// pages show a person's or a party's name in the reader's language where
// one is recorded.
type NameSource interface {
	// LocalNames returns, by entity id, the text of field of the entities
	// of kind the caller may read, in lang, where a translation gives it.
	LocalNames(ctx context.Context, svc *app.Service, caller *access.Principal, lang, kind, field string) (map[string]string, error)
}

// LocalNames returns, by id, the names (field) of kind's entities in the
// reader's language that the sections know (NameSource): a page shows
// them for the names as recorded, where there is one.
func (x *Site) LocalNames(r *http.Request, caller *access.Principal, kind, field string) (map[string]string, error) {
	out := map[string]string{}
	for _, sec := range x.s.opts.Sections {
		if ns, ok := sec.(NameSource); ok {
			m, err := ns.LocalNames(r.Context(), x.s.svc, caller, Printer(r).Lang, kind, field)
			if err != nil {
				return nil, err
			}
			maps.Copy(out, m)
		}
	}
	return out, nil
}

// Localizer is a Section whose pages have functions that write in the
// reader's language (amounts, counts): LocalFuncs returns them for p's
// language, and the kernel parses the section's pages once per language.
type Localizer interface {
	LocalFuncs(p *i18n.Printer) template.FuncMap
}

// Cataloguer is a Section with messages of its own: its pages' and its
// domain's words (kinds, fields, errors) in each language, as catalogue
// files uk.json, ru.json and en.json at the root of the FS (see package
// i18n).
type Cataloguer interface {
	Catalogue() fs.FS
}

// Printer returns the printer of the request's language: what a section's
// handler writes for the reader (a page's title, a document) goes through
// it. A nil request, or one that did not come through the site, has
// English.
func Printer(r *http.Request) *i18n.Printer {
	if r == nil {
		return fallbackPrinter
	}
	if p, ok := r.Context().Value(printerKey{}).(*i18n.Printer); ok {
		return p
	}
	return fallbackPrinter
}

type printerKey struct{}

// fallbackPrinter writes English, for a request that did not come
// through the site's pages (a test calling a handler).
var fallbackPrinter = func() *i18n.Printer {
	b, err := i18n.NewBundle()
	if err != nil {
		panic(err)
	}
	return b.Printer(i18n.English)
}()

// DocumentPrinter returns the printer of the language a generated
// document (a PDF, a report) is asked for in, with ?in=uk: a document may
// be wanted in another language than the reader's pages, for a capital,
// without changing the pages'. Without it, the pages' language.
func DocumentPrinter(r *http.Request) *i18n.Printer {
	if r != nil {
		if l := r.URL.Query().Get("in"); i18n.Supported(l) {
			if p, ok := r.Context().Value(printerKey{}).(*i18n.Printer); ok {
				return p.In(l)
			}
			return fallbackPrinter.In(l)
		}
	}
	return Printer(r)
}

// T is Printer(r).T: key in the request's language.
func T(r *http.Request, key string, args ...any) string { return Printer(r).T(key, args...) }

// TemplatesDir returns the templates directory of a section's embedded
// files: every section embeds its pages as templates/*.html.
func TemplatesDir(files fs.FS) fs.FS {
	sub, err := fs.Sub(files, "templates")
	if err != nil {
		panic(err) // only a section built without its templates gets here
	}
	return sub
}

// Linker is a Section that shows entities on pages of its own: the record
// page links a record's subject there.
type Linker interface {
	// Href returns the page that shows e to the caller, or "" if the
	// section has none. It may read as the caller (a session is shown on
	// its round's page, if the caller may see the round).
	Href(ctx context.Context, caller *access.Principal, e store.Entity) (string, error)
}

// NavItem is one entry of the navigation.
type NavItem struct {
	// Key is what Page.Nav names to highlight the entry.
	Key   string
	Label string
	Path  string
}

// Handler serves one page for a caller (nil: anonymous). It writes the page
// itself on success and returns the error otherwise; ErrNotFound, or an
// app error of code not found, becomes the 404 page, which is the same
// whether the thing does not exist or the caller may not see it.
type Handler func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error

// ErrNotFound makes a handler answer with the 404 page.
var ErrNotFound = errNotFound

// Page is what a section's page renders inside the layout.
type Page struct {
	Title string
	// Nav is the Key of the navigation entry to highlight.
	Nav string
	// Names resolves the ids the page's records refer to (the section's
	// own type; templates call its methods).
	Names any
	// Data is the page's own content.
	Data any
}

// Site is what a section's pages get of the kernel's UI.
type Site struct{ s *server }

// Service returns the service every read goes through, as the caller.
func (x *Site) Service() *app.Service { return x.s.svc }

// Logger returns the UI's logger, for what a section does beside a
// request (a background import).
func (x *Site) Logger() *slog.Logger { return x.s.logger }

// Handle serves pattern (a net/http ServeMux pattern, "GET /rounds/{id}")
// with h, behind the kernel's sign-in, error pages and CSRF protection.
func (x *Site) Handle(pattern string, h Handler) {
	x.s.mux.Handle(pattern, x.s.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		return h(w, r, rq.caller)
	}))
}

// Render writes page (the name of one of the section's templates) inside
// the layout.
func (x *Site) Render(w http.ResponseWriter, r *http.Request, caller *access.Principal, status int, page string, p Page) {
	x.s.render(w, r, &request{caller: caller}, status, page, pageData{Title: p.Title, Nav: p.Nav, Names: p.Names, Data: p.Data})
}

// InlinePDF answers with a PDF the browser shows, named name: a rendering
// made for the request, never kept.
func InlinePDF(w http.ResponseWriter, name string, b []byte) error {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(b)
	return err
}

// ReadForm reads the small form a signed-in caller posts to a section's
// page (at most 4 KiB): a caller who is not signed in is answered as a
// page that does not exist, and a form that cannot be read as a bad
// request.
func ReadForm(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if caller == nil {
		return ErrNotFound
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		return &app.Error{Code: app.CodeBadRequest, Message: "the form could not be read"}
	}
	return nil
}

// PDFFont is the font family of parley's documents: the Go fonts, embedded
// in every PDF, which have the Latin, Cyrillic and Greek letters the
// core PDF fonts (cp1252 only) lack.
const PDFFont = "Go"

// NewPDF starts an A4 PDF of a record's rendering, titled title: margins
// of margin mm, and a footer on every page naming the record, so that a
// reader of the paper can ask for that record's proof. Its footer is in
// p's language.
func NewPDF(p *i18n.Printer, title, record string, margin float64) *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	for _, f := range []struct {
		style string
		ttf   []byte
	}{{"", goregular.TTF}, {"B", gobold.TTF}, {"I", goitalic.TTF}, {"BI", gobolditalic.TTF}} {
		pdf.AddUTF8FontFromBytes(PDFFont, f.style, f.ttf)
	}
	pdf.SetTitle(title, true)
	pdf.SetCreator("parley", true)
	pdf.SetLang(p.Lang)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont(PDFFont, "", 8)
		pdf.CellFormat(0, 10, p.T("Record %s - page %d", record, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	return pdf
}

// PDFSection writes a section's heading, on a new page rather than alone
// at the foot of one.
func PDFSection(pdf *fpdf.Fpdf, title string) {
	if pdf.GetY() > 240 {
		pdf.AddPage()
	}
	pdf.Ln(3)
	pdf.SetFont(PDFFont, "B", 11)
	pdf.CellFormat(0, 6, title, "", 1, "L", false, 0, "")
}

// PDFLabel writes text at (x, y), its start, middle or end there as
// anchor says ("start", "middle" or "end", as SVG's text-anchor), so that
// a chart drawn for the page and for the PDF places its labels alike.
func PDFLabel(pdf *fpdf.Fpdf, x, y float64, text, anchor string) {
	w := pdf.GetStringWidth(text)
	switch anchor {
	case "middle":
		x -= w / 2
	case "end":
		x -= w
	}
	pdf.Text(x, y, text)
}

// RGB reads a colour written #rrggbb.
func RGB(hex string) (r, g, b int) {
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	return r, g, b
}

// PDFTable writes a table of rows under head, its columns widths mm wide.
func PDFTable(pdf *fpdf.Fpdf, head []string, widths []float64, rows [][]string) {
	pdf.Ln(2)
	pdf.SetFont(PDFFont, "B", 8)
	for i, h := range head {
		pdf.CellFormat(widths[i], 6, h, "B", 0, "L", false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont(PDFFont, "", 8)
	for _, row := range rows {
		for i, c := range row {
			pdf.CellFormat(widths[i], 5, c, "", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
	}
}
