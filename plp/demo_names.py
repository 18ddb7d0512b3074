"""Names of demo people as written at home, and as spelt in Latin letters.

An e-mail address is spelt from a person's name the way they would spell it
themselves: Japanese names by their own reading, Korean, Chinese, Nepali and
Arabic names from a romanised form kept alongside them, Greek, Cyrillic and
Georgian letters by their national romanisation, and accented Latin letters
without their accents.
"""

import unicodedata

from faker import Faker

# Names whose script gives no reading letter by letter, with their usual
# romanisation. Korean, Chinese and Arabic family names come with the spelling
# their holders most often use abroad.
NAME_PAIRS = {
    "ko_KR": (
        (("민준", "Minjun"), ("서연", "Seoyeon"), ("지훈", "Jihun"),
         ("하은", "Haeun"), ("도윤", "Doyun"), ("수빈", "Subin"),
         ("현우", "Hyeonu"), ("지민", "Jimin"), ("예린", "Yerin"),
         ("성호", "Seongho")),
        (("김", "Kim"), ("이", "Lee"), ("박", "Park"), ("최", "Choi"),
         ("정", "Jung"), ("강", "Kang"), ("조", "Cho"), ("윤", "Yoon"),
         ("장", "Jang"), ("한", "Han")),
    ),
    "zh_TW": (
        (("淑芬", "Shu-fen"), ("志明", "Chih-ming"), ("美玲", "Mei-ling"),
         ("俊傑", "Chun-chieh"), ("雅婷", "Ya-ting"), ("家豪", "Chia-hao"),
         ("怡君", "Yi-chun"), ("建宏", "Chien-hung"), ("佳穎", "Chia-ying"),
         ("宗翰", "Tsung-han")),
        (("陳", "Chen"), ("林", "Lin"), ("黃", "Huang"), ("張", "Chang"),
         ("李", "Lee"), ("王", "Wang"), ("吳", "Wu"), ("劉", "Liu"),
         ("蔡", "Tsai"), ("楊", "Yang")),
    ),
    "ne_NP": (
        (("सीता", "Sita"), ("राम", "Ram"), ("अनिता", "Anita"),
         ("बिकास", "Bikas"), ("सरिता", "Sarita"), ("दीपक", "Deepak"),
         ("प्रिया", "Priya"), ("सुरेश", "Suresh"), ("कमला", "Kamala"),
         ("रमेश", "Ramesh")),
        (("श्रेष्ठ", "Shrestha"), ("थापा", "Thapa"), ("गुरुङ", "Gurung"),
         ("तामाङ", "Tamang"), ("राई", "Rai"), ("अधिकारी", "Adhikari"),
         ("पौडेल", "Poudel"), ("शर्मा", "Sharma"), ("बस्नेत", "Basnet"),
         ("मगर", "Magar")),
    ),
    "ar_PS": (
        (("رنا", "Rana"), ("عمر", "Omar"), ("ليلى", "Layla"),
         ("خالد", "Khaled"), ("سلمى", "Salma"), ("يوسف", "Yousef"),
         ("هبة", "Hiba"), ("زيد", "Zaid"), ("دينا", "Dina"),
         ("سامي", "Sami")),
        (("الخطيب", "Al-Khatib"), ("حداد", "Haddad"), ("نصار", "Nassar"),
         ("المصري", "Al-Masri"), ("عبيدات", "Obeidat"), ("الزعبي", "Al-Zoubi"),
         ("الرفاعي", "Al-Rifai"), ("خوري", "Khoury"), ("العمري", "Al-Omari"),
         ("الطراونة", "Tarawneh")),
    ),
}  # fmt: skip

# Letter by letter: ELOT 743 for Greek, the national system of 2010 for
# Ukrainian, and the national system of 2002 for Georgian.
LETTERS = {
    **dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω",
               ("a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m",
                "n", "x", "o", "p", "r", "s", "s", "t", "y", "f", "ch", "ps",
                "o"), strict=True)),
    **dict(zip("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
               ("a", "b", "v", "h", "g", "d", "e", "ie", "zh", "z", "y", "i",
                "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
                "kh", "ts", "ch", "sh", "shch", "", "iu", "ia", ""), strict=True)),
    **dict(zip("აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
               ("a", "b", "g", "d", "e", "v", "z", "t", "i", "k", "l", "m",
                "n", "o", "p", "zh", "r", "s", "t", "u", "p", "k", "gh", "q",
                "sh", "ch", "ts", "dz", "ts", "ch", "kh", "j", "h"), strict=True)),
    # Latin letters that are not a plain letter with an accent.
    "ø": "o", "æ": "ae", "å": "a", "ß": "ss", "ı": "i", "ł": "l", "đ": "d",  # noqa: RUF001
    "þ": "th", "ð": "d", "œ": "oe", "ŋ": "ng",
}  # fmt: skip


def person_name(fake: Faker, locale: str, family_first: str | None):
    """Return a name as written at home, and its Latin spelling, given first last."""
    first, family, latin = _name_parts(fake, locale)
    if family_first is None:
        return f"{first} {family}", latin
    return f"{family}{family_first}{first}", latin


def _name_parts(fake: Faker, locale: str) -> tuple[str, str, str]:
    if locale == "ja_JP":
        first, _, first_latin = fake.first_name_pair()
        family, _, family_latin = fake.last_name_pair()
        return first, family, f"{first_latin} {family_latin}"
    if locale in NAME_PAIRS:
        firsts, families = NAME_PAIRS[locale]
        first, first_latin = fake.random_element(firsts)
        family, family_latin = fake.random_element(families)
        return first, family, f"{first_latin} {family_latin}"
    first, family = fake.first_name(), fake.last_name()
    return first, family, latin_letters(f"{first} {family}")


def latin_letters(text: str) -> str:
    """Return text in plain Latin letters: accents dropped, other scripts spelt."""
    # Spelt before and after taking accents off: Ukrainian "й" is a letter of
    # its own, while a Greek vowel with a stress mark is the plain vowel.
    spelt = _spell(text.lower())
    decomposed = unicodedata.normalize("NFKD", spelt)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _spell(bare)


def _spell(text: str) -> str:
    return "".join(LETTERS.get(char, char) for char in text)
