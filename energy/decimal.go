package energy

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/parley-project/parley"
)

// Shares, prices and tolerances are decimal strings ("0.5", "42.75"), read
// into exact rationals: a JSON number would pass through binary floating
// point in every decoder and in the canonical form the record commits, and
// 0.1 is not a binary fraction. Energy is whole watt-hours, exact as is.

var decimalSyntax = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// ParseDecimal reads a decimal string exactly; anything else (an exponent,
// a fraction, a comma, spaces) is an error naming what was given.
func ParseDecimal(s string) (*big.Rat, error) {
	if !decimalSyntax.MatchString(s) {
		return nil, reasonf("%q is not a decimal number (digits, with a decimal point if need be: \"0.5\", \"42.75\")", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, reasonf("%q is not a decimal number", s)
	}
	return r, nil
}

// FormatDecimal writes r with exactly places decimals, rounding half to
// even when r has more: the one rounding a statement makes (to the cent,
// to the watt-hour), at its totals, never in between.
func FormatDecimal(r *big.Rat, places int) string {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	n := new(big.Int).Mul(r.Num(), scale)
	q, m := new(big.Int).QuoRem(n, r.Denom(), new(big.Int))
	// Round half to even on the remainder m/denom (m has n's sign).
	twice := new(big.Int).Abs(m)
	twice.Lsh(twice, 1)
	switch c := twice.Cmp(r.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if n.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	neg := q.Sign() < 0
	digits := new(big.Int).Abs(q).String()
	if places > 0 {
		if len(digits) <= places {
			digits = strings.Repeat("0", places-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-places] + "." + digits[len(digits)-places:]
	}
	if neg {
		digits = "-" + digits
	}
	return digits
}

// Exact reports whether r is written exactly with places decimals.
func Exact(r *big.Rat, places int) bool {
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil))
	return new(big.Rat).Mul(r, scale).IsInt()
}

func ratInt(n int64) *big.Rat { return new(big.Rat).SetInt64(n) }

// reason is an error made of a format and its arguments, so that the UI
// can say it in the reader's language (the format is the catalogues'
// key): asField makes it a field's error.
type reason struct {
	format string
	args   []any
}

func reasonf(format string, args ...any) error { return &reason{format, args} }

func (r *reason) Error() string { return fmt.Sprintf(r.format, r.args...) }

// asField returns err as field's error, made of the format and arguments
// err was made of, if it was made of any.
func asField(field string, err error) error {
	var r *reason
	if errors.As(err, &r) {
		return parley.Errorf(field, r.format, r.args...)
	}
	return parley.Errorf(field, "%v", err)
}
