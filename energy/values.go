package energy

import (
	"fmt"
	"math"
	"strconv"
)

// Values are a series' readings, one an interval, in whole watt-hours;
// NoValue where the meter has none (null in JSON). A month of a meter is
// some 3,000 of them, and they are read and written with every readings
// record: this type does it in one pass, without a pointer a value.
type Values []int64

// NoValue marks an interval the meter has no value for.
const NoValue = math.MinInt64

// MaxReading bounds a value either way: above it, a reading is not of
// any plant, and it would no longer be exact in the canonical JSON a
// record commits (which writes numbers as IEEE doubles).
const MaxReading = 1 << 50

// MarshalJSON implements json.Marshaler.
func (v Values) MarshalJSON() ([]byte, error) {
	if v == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 2+len(v)*11)
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		if x == NoValue {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendInt(b, x, 10)
		}
	}
	return append(b, ']'), nil
}

// UnmarshalJSON implements json.Unmarshaler: an array of integers and
// nulls. A value with a fraction or an exponent is refused with its index:
// energy is whole watt-hours.
func (v *Values) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = nil
		return nil
	}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return fmt.Errorf("is not a list of watt-hours")
	}
	out := make(Values, 0, len(b)/8)
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		*v = out
		return nil
	}
	for {
		i = skipSpace(b, i)
		start := i
		for i < len(b) && b[i] != ',' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		tok := string(b[start:i])
		if tok == "null" {
			out = append(out, NoValue)
		} else {
			n, err := strconv.ParseInt(tok, 10, 64)
			if err != nil || n > MaxReading || n < -MaxReading {
				return fmt.Errorf("[%d]: %s is not a whole number of watt-hours (at most %d either way)", len(out), tok, int64(MaxReading))
			}
			out = append(out, n)
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return fmt.Errorf("is not a list of watt-hours: it does not end")
		}
		if b[i] == ']' {
			break
		}
		if b[i] != ',' {
			return fmt.Errorf("[%d]: is not followed by a comma", len(out)-1)
		}
		i++
	}
	*v = out
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
