package monitorweb

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestImportsRunning: no more than maxRunning imports run at once; one
// that finishes makes room.
func TestImportsRunning(t *testing.T) {
	var is imports
	jobs := make([]*importJob, maxRunning+1)
	for i := range jobs {
		jobs[i] = &importJob{importState: importState{ID: string(rune('a' + i))}}
	}
	for _, j := range jobs[:maxRunning] {
		if !is.add(j) {
			t.Fatalf("import %s refused with fewer than %d running", j.ID, maxRunning)
		}
	}
	if is.add(jobs[maxRunning]) {
		t.Fatalf("a third import runs beside %d", maxRunning)
	}
	jobs[0].Finished = time.Now()
	if !is.add(jobs[maxRunning]) {
		t.Error("an import is refused after one finished")
	}
}

// TestRefusalsInLineOrder: refusals noted out of line order (the server's
// come a batch or more after the file reader's) are kept in line order,
// the first keptRefusals of them by line, and all are counted.
func TestRefusalsInLineOrder(t *testing.T) {
	var j importJob
	// Lines keptRefusals+5 down to 1, then 3 again: the later 3 goes after
	// the first.
	for line := keptRefusals + 5; line >= 1; line-- {
		j.refuse(line, errors.New("line "+strconv.Itoa(line)))
	}
	j.refuse(3, errors.New("line 3 again"))
	if j.RefusedCount != keptRefusals+6 || len(j.Refused) != keptRefusals {
		t.Fatalf("%d counted, %d kept", j.RefusedCount, len(j.Refused))
	}
	kept := make([]string, len(j.Refused))
	for i, r := range j.Refused {
		kept[i] = r.Err.Error()
	}
	want := []string{"line 1", "line 2", "line 3", "line 3 again", "line 4"}
	if !slices.Equal(kept[:5], want) || kept[keptRefusals-1] != "line "+strconv.Itoa(keptRefusals-1) {
		t.Errorf("kept %q ... %q", kept[:5], kept[keptRefusals-1])
	}
}
