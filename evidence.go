package parley

import "strconv"

// Evidence is a file that backs a record, by its SHA-256: the file is
// uploaded to parley, and the committed record proves it unaltered later.
type Evidence struct {
	SHA256    string `json:"sha256"`
	Name      string `json:"name,omitempty"`
	MediaType string `json:"media_type,omitempty"`
}

// EvidenceField is the field of a kind whose records hold Evidence, as a
// list named "evidence".
var EvidenceField = Field{Name: "evidence", Type: List, Help: "Files that back it, by their SHA-256: the committed record proves them unaltered later.",
	Elem: &Field{Type: Object, Fields: []Field{
		{Name: "sha256", Label: "File", Type: File, Required: true, Help: "Its SHA-256: upload the file to parley, which shows it."},
		{Name: "name", Type: String},
		{Name: "media_type", Label: "Media type", Type: String},
	}}}

// CheckEvidence refuses evidence whose hash is not a file's, naming the
// element.
func CheckEvidence(ev []Evidence) error {
	for i, e := range ev {
		if !ValidFile(e.SHA256) {
			return Errorf("evidence["+strconv.Itoa(i)+"].sha256", "%q is not a file's SHA-256 in lower-case hex (64 characters)", e.SHA256)
		}
	}
	return nil
}
