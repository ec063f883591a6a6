package monitorweb

import (
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
