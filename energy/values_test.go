package energy

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValuesJSON(t *testing.T) {
	var v Values
	if err := json.Unmarshal([]byte(` [ 1, null ,-2,1125899906842624 ] `), &v); err != nil {
		t.Fatal(err)
	}
	if len(v) != 4 || v[0] != 1 || v[1] != NoValue || v[2] != -2 || v[3] != MaxReading {
		t.Fatalf("decoded %v", v)
	}
	b, _ := json.Marshal(v)
	if string(b) != "[1,null,-2,1125899906842624]" {
		t.Errorf("encoded %s", b)
	}
	if err := json.Unmarshal([]byte(`[]`), &v); err != nil || len(v) != 0 || v == nil {
		t.Errorf("empty: %v %v", v, err)
	}
	for in, want := range map[string]string{
		`[1,2.5]`:                    "[1]: 2.5 is not a whole number",
		`[1e3]`:                      "[0]: 1e3 is not a whole number",
		`[1125899906842625]`:         "[0]: 1125899906842625 is not a whole number of watt-hours (at most",
		`["1"]`:                      `[0]: "1" is not a whole number`,
		`{"a":1}`:                    "is not a list of watt-hours",
		`[1,2,99999999999999999999]`: "[2]:",
	} {
		err := json.Unmarshal([]byte(in), &v)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}
