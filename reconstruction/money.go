package reconstruction

import (
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/parley-project/parley"
)

// minorUnits is the number of decimals of each currency parley accepts
// amounts in (ISO 4217's minor units): an amount with more is refused, as
// a payment of a fraction of a cent cannot be made. The currencies are
// those of the donors and recipients of reconstruction finance; a currency
// not here is refused by name.
var minorUnits = map[string]int{
	"AUD": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "HUF": 2, "JPY": 0,
	"KRW": 0, "NOK": 2, "NZD": 2, "PLN": 2, "RON": 2, "RUB": 2, "SAR": 2, "SEK": 2, "TRY": 2, "UAH": 2,
	"USD": 2, "AED": 2, "QAR": 2, "KWD": 3,
}

// ReportingCurrency is the currency every figure is totalled in: each
// amount carries the rate used to convert it.
const ReportingCurrency = "USD"

// maxRateDecimals bounds a rate's decimals: rates are quoted to a few
// decimals, and a rate of many is more likely a mistake than a quotation.
const maxRateDecimals = 10

// decimalSyntax admits one way of writing each number's integer part: no
// leading zeros.
var decimalSyntax = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// Amount parses a positive amount of currency, refusing one with more
// decimals than the currency has. field names the amount in errors.
func Amount(field, currency, s string) (*big.Rat, error) {
	if err := knownCurrency(field, currency); err != nil {
		return nil, err
	}
	units := minorUnits[currency]
	return decimal(field, s, units, func(n int) error {
		// n is more than units: one decimal is too many only where the
		// currency has none. No currency has one decimal, which the
		// format would call "1 decimals".
		if n == 1 {
			return parley.Errorf(field, "%q has 1 decimal; %s has 0 decimals", s, currency)
		}
		return parley.Errorf(field, "%q has %d decimals; %s has %d decimals", s, n, currency, units)
	})
}

// knownCurrency refuses a currency parley has no minor units for.
func knownCurrency(field, currency string) error {
	if _, ok := minorUnits[currency]; !ok {
		return parley.Errorf(field, "%q is not a currency parley knows (ISO 4217: %s)", currency, strings.Join(Currencies(), ", "))
	}
	return nil
}

// Rate parses a rate: how many units of ReportingCurrency one unit of the
// amount's currency was converted at.
func Rate(field, currency, s string) (*big.Rat, error) {
	r, err := decimal(field, s, maxRateDecimals, func(n int) error {
		return parley.Errorf(field, "%q has %d decimals; a rate is given to %d decimals at most", s, n, maxRateDecimals)
	})
	if err != nil {
		return nil, err
	}
	if currency == ReportingCurrency && r.Cmp(big.NewRat(1, 1)) != 0 {
		return nil, parley.Errorf(field, "is %s: an amount in %s converts at 1", s, ReportingCurrency)
	}
	return r, nil
}

// decimal parses a positive decimal of at most places decimals; tooMany
// refuses one of n decimals, more than places (each refusal a format of
// its own, which the UI writes in the reader's language).
func decimal(field, s string, places int, tooMany func(n int) error) (*big.Rat, error) {
	if !decimalSyntax.MatchString(s) {
		return nil, parley.Errorf(field, "%q is not a decimal number such as 1250000.50", s)
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > places {
		return nil, tooMany(len(s) - i - 1)
	}
	r, _ := new(big.Rat).SetString(s)
	if r.Sign() <= 0 {
		return nil, parley.Errorf(field, "must be more than 0")
	}
	return r, nil
}

// Reported converts an amount at its rate into ReportingCurrency, exactly.
func Reported(amount, rate *big.Rat) *big.Rat { return new(big.Rat).Mul(amount, rate) }

// Cents renders an exact amount of ReportingCurrency rounded half to even
// to the cent, the one rounding parley makes, at the totals.
func Cents(r *big.Rat) string {
	q := roundHalfEven(new(big.Rat).Mul(r, big.NewRat(100, 1)))
	neg := q.Sign() < 0
	s := new(big.Int).Abs(q).String()
	for len(s) < 3 {
		s = "0" + s
	}
	s = s[:len(s)-2] + "." + s[len(s)-2:]
	if neg {
		s = "-" + s
	}
	return s
}

// Currencies returns the currencies parley accepts, sorted.
func Currencies() []string {
	cs := make([]string, 0, len(minorUnits))
	for c := range minorUnits {
		cs = append(cs, c)
	}
	slices.Sort(cs)
	return cs
}

// roundHalfEven rounds r to a whole number, half to even.
func roundHalfEven(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	// Compare twice the remainder with the denominator.
	twice := new(big.Int).Mul(m.Abs(m), big.NewInt(2))
	if c := twice.Cmp(r.Denom()); c > 0 || c == 0 && q.Bit(0) == 1 {
		q.Add(q, big.NewInt(int64(r.Num().Sign())))
	}
	return q
}

// Format renders an exact amount in a currency's own decimals (rounded
// half away from zero, where it has more).
func Format(r *big.Rat, currency string) string { return r.FloatString(minorUnits[currency]) }
