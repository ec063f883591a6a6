package i18n

import (
	"strconv"
	"strings"
	"time"
)

// The names of months and days that time.Format writes in English. Ukrainian
// and Russian decline a month: "січень 2026", but "2 січня 2026".
var (
	monthsNominative = map[string][12]string{
		Ukrainian: {"січень", "лютий", "березень", "квітень", "травень", "червень", "липень", "серпень", "вересень", "жовтень", "листопад", "грудень"},
		Russian:   {"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"},
	}
	monthsGenitive = map[string][12]string{
		Ukrainian: {"січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"},
		Russian:   {"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
	}
	monthsShort = map[string][12]string{
		Ukrainian: {"січ.", "лют.", "бер.", "квіт.", "трав.", "черв.", "лип.", "серп.", "вер.", "жовт.", "лист.", "груд."},
		Russian:   {"янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."},
	}
	weekdaysShort = map[string][7]string{
		Ukrainian: {"нд", "пн", "вт", "ср", "чт", "пт", "сб"},
		Russian:   {"вс", "пн", "вт", "ср", "чт", "пт", "сб"},
	}
	weekdays = map[string][7]string{
		Ukrainian: {"неділя", "понеділок", "вівторок", "середа", "четвер", "пʼятниця", "субота"},
		Russian:   {"воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"},
	}
	// yearMark follows a year written beside a month in words, as CLDR's
	// long dates do: "2 січня 2026 р.", "2 января 2026 г.".
	yearMark = map[string]string{Ukrainian: " р.", Russian: " г."}
)

// Placeholders for the names Time puts in: control characters, which no
// layout holds.
const (
	phMonth        = "\x01"
	phMonthShort   = "\x02"
	phWeekday      = "\x03"
	phWeekdayShort = "\x04"
	phYear         = "\x05"
)

// Time formats t with a time.Format layout written in English ("Mon 2
// January 2006, 15:04"), naming months and days in the printer's language.
func (p *Printer) Time(t time.Time, layout string) string {
	lang := English
	if p != nil {
		lang = p.Lang
	}
	if lang == English {
		return t.Format(layout)
	}
	// Ukrainian and Russian put a comma after the day's name ("пн, 2
	// січня"), and the genitive after a day of the month.
	genitive := strings.Contains(layout, "2 January") || strings.Contains(layout, "02 January")
	l := strings.NewReplacer("Monday", phWeekday, "January", phMonth, "Mon ", phWeekdayShort+", ", "Mon", phWeekdayShort, "Jan", phMonthShort).Replace(layout)
	hasMonthWord := strings.Contains(l, phMonth) || strings.Contains(l, phMonthShort)
	if hasMonthWord {
		l = strings.Replace(l, "2006", "2006"+phYear, 1)
	}
	out := t.Format(l)
	month := monthsNominative[lang][t.Month()-1]
	if genitive {
		month = monthsGenitive[lang][t.Month()-1]
	}
	return strings.NewReplacer(
		phMonth, month,
		phMonthShort, monthsShort[lang][t.Month()-1],
		phWeekday, weekdays[lang][t.Weekday()],
		phWeekdayShort, weekdaysShort[lang][t.Weekday()],
		phYear, yearMark[lang],
	).Replace(out)
}

// separators are each language's group and decimal separators: Ukrainian
// and Russian group with a no-break space and write a decimal comma.
var separators = map[string][2]string{
	English:   {",", "."},
	Ukrainian: {"\u00a0", ","},
	Russian:   {"\u00a0", ","},
}

// Decimal writes a decimal number given in its plain form ("-1234567.50",
// as exact amounts are kept) with the printer's language's separators:
// "1,234,567.50", "1 234 567,50". A string that is not a decimal is
// returned as it is.
func (p *Printer) Decimal(s string) string {
	lang := English
	if p != nil {
		lang = p.Lang
	}
	sep := separators[lang]
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(sep[0])
		}
		b.WriteRune(c)
	}
	if dot {
		b.WriteString(sep[1] + frac)
	}
	return b.String()
}

// Int writes n with the printer's language's separators.
func (p *Printer) Int(n int64) string { return p.Decimal(strconv.FormatInt(n, 10)) }

// Money writes an amount in a currency, as the language writes it: "USD
// 1,234.50" in English, "1 234,50 USD" in Ukrainian and Russian. The code
// is kept rather than a sign, which several currencies share.
func (p *Printer) Money(amount, currency string) string {
	if p == nil || p.Lang == English {
		return currency + " " + p.Decimal(amount)
	}
	return p.Decimal(amount) + " " + currency
}
