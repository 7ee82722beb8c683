package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"shequ/internal/platform/pii"
)

// Surnames, most common first; Guangxi's 黄, 梁, 韦, 覃 and 莫 rank high there.
var surnames = []string{
	"黄", "李", "陈", "梁", "莫", "韦", "覃", "林", "张", "刘", "何", "王", "罗", "吴", "周",
	"杨", "邓", "蒙", "廖", "谢", "苏", "冯", "潘", "蔡", "钟", "卢", "欧", "甘", "唐", "郑",
	"胡", "陆", "叶", "邱", "赵", "徐", "孙", "马", "朱", "郭", "高", "宋", "曾", "彭", "龙",
	"蒋", "麦", "区", "容", "利",
}

var (
	maleGiven   = []rune("伟强军勇杰涛明超华斌鹏辉刚健峰俊浩宇志国建文平东海林波成振荣家嘉子晨鑫博宏德福兴昌旭")
	femaleGiven = []rune("芳娟敏静丽艳秀英霞燕玲萍红梅琳婷雪慧洁颖倩佳怡欣晓月莉娜薇琴凤兰桂春美妮")
)

// surname picks a surname, the common ones more often (index ~ n·u²).
func surname(rng *rand.Rand) string {
	u := rng.Float64()
	return surnames[int(float64(len(surnames))*u*u)]
}

// personName is a surname and a one- or two-character given name.
func personName(rng *rand.Rand, family string, male bool) string {
	chars := femaleGiven
	if male {
		chars = maleGiven
	}
	given := []rune{chars[rng.IntN(len(chars))]}
	if rng.IntN(4) > 0 {
		given = append(given, chars[rng.IntN(len(chars))])
	}
	return family + string(given)
}

// floatingAreas are where the floating population (流动人口) comes from: the
// counties around Wuzhou and across the Guangdong border, and a few cities further off.
var floatingAreas = []string{
	"450421", "450422", "450423", "450481", "450881", "450821", "450921", "450923",
	"451121", "451102", "450102", "441225", "441223", "441224", "440106", "440604",
}

// idNumbers hands out citizen ID numbers (公民身份号码, GB 11643) that are unique
// within the demo: the sequence code of each area, birth date and sex counts up.
type idNumbers struct {
	used map[uint64]uint16
}

func newIDNumbers() *idNumbers { return &idNumbers{used: map[uint64]uint16{}} }

// next returns an ID number for a person of area (6 digits) born on birth. The
// three-digit sequence code is odd for men, even for women, as the standard says.
func (a *idNumbers) next(area string, birth time.Time, male bool) (string, error) {
	var b [18]byte
	copy(b[:6], area)
	y, m, d := birth.Date()
	putDigits(b[6:10], y)
	putDigits(b[10:12], int(m))
	putDigits(b[12:14], d)
	var key uint64
	for _, c := range b[:14] {
		key = key*10 + uint64(c-'0')
	}
	sex := 0
	if male {
		sex = 1
	}
	key = key*2 + uint64(sex)
	n := a.used[key]
	if n >= 500 {
		return "", fmt.Errorf("demo: no ID numbers left for %s born %s", area, birth.Format(time.DateOnly))
	}
	a.used[key] = n + 1
	// Scatter the codes (7 is prime to 500) so they do not all start at 000.
	putDigits(b[14:17], 2*((int(n)*7+int(key/2%500))%500)+sex)
	b[17] = pii.CheckDigit(string(b[:17]))
	return string(b[:]), nil
}

// birthDate and sexOf read the fields the way the register derives them from the number.
func birthDate(id string) string { return id[6:10] + "-" + id[10:12] + "-" + id[12:14] }

func sexOf(id string) string {
	if (id[16]-'0')%2 == 1 {
		return string(pii.Male)
	}
	return string(pii.Female)
}

// bornAt returns a birth date that makes a person age whole years old on day.
func bornAt(rng *rand.Rand, day time.Time, age int) time.Time {
	return day.AddDate(-age, 0, -rng.IntN(365))
}

var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151",
	"152", "153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "183", "186",
	"187", "188", "189",
}

// mobile returns an 11-digit mainland mobile number.
func mobile(rng *rand.Rand) string {
	var b [11]byte
	copy(b[:3], mobilePrefixes[rng.IntN(len(mobilePrefixes))])
	putDigits(b[3:], rng.IntN(100_000_000))
	return string(b[:])
}

// putDigits writes n into b as decimal, zero-padded to len(b).
func putDigits(b []byte, n int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}
