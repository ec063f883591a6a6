// Package reconstructionapi is reconstruction finance's own API
// operations: the gap per sector and region, and the open-data exports
// (OCDS, IATI, CSV) streamed as the UI streams them.
package reconstructionapi

import (
	"net/http"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/reconstruction"
	reconstructionweb "github.com/parley-project/parley/reconstruction/web"
)

// GapRow is one sector and region of the gap: the need each assessment
// found there, by assessment id and in its currency, and what was
// pledged, committed and disbursed against it in US dollars, to the cent.
type GapRow struct {
	Sector    string            `json:"sector"`
	Region    string            `json:"region"`
	Need      map[string]string `json:"need"`
	Pledged   string            `json:"pledged_usd"`
	Committed string            `json:"committed_usd"`
	Disbursed string            `json:"disbursed_usd"`
	// Gap is the basis assessment's need not yet committed, if the basis
	// is in US dollars and found a need here.
	Gap string `json:"gap_usd,omitempty"`
	// Flows counts the flows behind each figure, Illustrative those of
	// them no source gives.
	Flows        [3]int64 `json:"flows"`
	Illustrative [3]int64 `json:"illustrative"`
}

// Gap is the gap at a glance, public figures only.
type Gap struct {
	Basis string   `json:"basis,omitempty"`
	Rows  []GapRow `json:"rows"`
	Total GapRow   `json:"total"`
	// Donors and Instruments are what was given in the rows, by donor and
	// by instrument: pledged, committed and disbursed, in US dollars.
	Donors      map[string][3]string `json:"donors"`
	Instruments map[string][3]string `json:"instruments"`
}

// Endpoints are reconstruction finance's own API operations on svc.
func Endpoints(svc *app.Service) []httpapi.Endpoint {
	log := svc.Logger()
	return []httpapi.Endpoint{
		{Method: "GET", Path: "/reconstruction/gap", Op: "reconstructionGap", Tag: "reconstruction",
			Summary: "The gap per sector and region",
			Description: "Per sector and region, the need each assessment found and what was pledged, committed and disbursed against it, in US dollars " +
				"at the rates recorded, from the running totals of the public flows (a pledge counts once announced); the gap is the basis " +
				"assessment's need not yet committed.",
			Query: []httpapi.Param{{Name: "basis", Description: "The assessment to measure the gap against; the first in US dollars if absent.", Type: "string"},
				{Name: "sector", Description: "Only this sector.", Type: "string"}, {Name: "region", Description: "Only this region.", Type: "string"}},
			Status: http.StatusOK, Errors: []int{400, 401, 404}, Response: Gap{},
			Serve: func(r *http.Request, caller *access.Principal) (any, error) {
				q := r.URL.Query()
				g, err := reconstructionweb.ReadGap(r.Context(), svc, caller, q.Get("basis"), q.Get("sector"), q.Get("region"))
				if err != nil {
					return nil, err
				}
				out := Gap{Rows: []GapRow{}}
				if g.Basis != nil {
					out.Basis = g.Basis.ID
				}
				for _, row := range g.Rows {
					out.Rows = append(out.Rows, gapRow(g, row))
				}
				out.Total = gapRow(g, g.Total)
				out.Donors, out.Instruments = shares(g.Donors), shares(g.Instruments)
				return out, nil
			}},
		{Method: "GET", Path: "/reconstruction/ocds", Op: "reconstructionOCDS", Tag: "reconstruction",
			Summary:     "OCDS release package of the published projects",
			Description: "An Open Contracting Data Standard 1.1 release package of every project its owner publishes, as the public reads it: a release per tender, with the contracts awarded on it and their payments as transactions. Streamed; 404 when nothing is published.",
			Status:      http.StatusOK, Errors: []int{401, 404}, MediaType: "application/json",
			Stream: func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
				return reconstructionweb.Stream(log, func(begin func()) error {
					return reconstructionweb.WriteOCDS(r.Context(), svc, w, reconstructionweb.AbsoluteURL(r), func() {
						w.Header().Set("Content-Type", "application/json")
						begin()
					})
				})
			}},
		{Method: "GET", Path: "/reconstruction/iati", Op: "reconstructionIATI", Tag: "reconstruction",
			Summary:     "IATI activities of the published projects",
			Description: "IATI 2.03 activity XML of every project its owner publishes, as the public reads it, with the donors' commitments and disbursements that name it and its payments. Streamed; 404 when nothing is published.",
			Status:      http.StatusOK, Errors: []int{401, 404}, MediaType: "application/xml",
			Stream: func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
				return reconstructionweb.Stream(log, func(begin func()) error {
					return reconstructionweb.WriteIATI(r.Context(), svc, w, func() {
						w.Header().Set("Content-Type", "application/xml")
						begin()
					})
				})
			}},
		{Method: "GET", Path: "/reconstruction/csv", Op: "reconstructionCSV", Tag: "reconstruction",
			Summary:     "CSV of every record of one of reconstruction's collections",
			Description: "Every entity the caller may read of the collection: its id, latest record, audience, version and times, then each field. Streamed.",
			Query:       []httpapi.Param{{Name: "collection", Description: "needs-assessments, needs, finance-flows, reconstruction-projects, project-tenders, project-contracts, project-milestones or project-payments.", Type: "string"}},
			Status:      http.StatusOK, Errors: []int{400, 401}, MediaType: "text/csv",
			Stream: func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
				k, ok := reconstructionweb.KindOf(r.URL.Query().Get("collection"))
				if !ok {
					return &app.Error{Code: app.CodeBadRequest, Field: "collection", Message: "is not one of reconstruction's collections"}
				}
				return reconstructionweb.Stream(log, func(begin func()) error {
					w.Header().Set("Content-Type", "text/csv; charset=utf-8")
					begin()
					return reconstructionweb.WriteCSV(r.Context(), svc, caller, k, w)
				})
			}},
	}
}

func gapRow(g *reconstructionweb.Gap, r reconstructionweb.Row) GapRow {
	out := GapRow{Sector: r.Sector, Region: r.Region, Need: map[string]string{}}
	for _, a := range g.Assessments {
		if n := r.Need[a.ID]; n != nil {
			out.Need[a.ID] = reconstruction.Format(n, a.V.Currency)
		}
	}
	out.Pledged, out.Committed, out.Disbursed = cents(r.Given[0]), cents(r.Given[1]), cents(r.Given[2])
	for i, gv := range r.Given {
		out.Flows[i], out.Illustrative[i] = gv.Flows, gv.Illustrative
	}
	if gap := g.Remaining(r); gap != nil {
		out.Gap = reconstruction.Cents(gap)
	}
	return out
}

func shares(ss []reconstructionweb.Share) map[string][3]string {
	out := make(map[string][3]string, len(ss))
	for _, s := range ss {
		out[s.Key] = [3]string{cents(s.Given[0]), cents(s.Given[1]), cents(s.Given[2])}
	}
	return out
}

// cents is what was given, in US dollars to the cent.
func cents(g reconstructionweb.Given) string {
	if g.USD == nil {
		return "0.00"
	}
	return reconstruction.Cents(g.USD)
}
