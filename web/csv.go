package web

import (
	"encoding/csv"
	"strconv"
	"strings"
)

// SafeCSV writes rows whose cells no spreadsheet takes for a formula: a
// cell that begins with =, +, -, @, a tab or a carriage return, and is
// not a number, is written after an apostrophe. Exports hold what parties
// typed (a supplier's name, a place), which a spreadsheet would otherwise
// run.
type SafeCSV struct{ *csv.Writer }

func (w SafeCSV) Write(row []string) error {
	out := make([]string, len(row))
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			if _, err := strconv.Atoi(c); err != nil {
				c = "'" + c
			}
		}
		out[i] = c
	}
	return w.Writer.Write(out)
}
