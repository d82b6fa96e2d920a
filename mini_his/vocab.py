"""Small word lists the generator draws from: Thai names, codes, drugs, complaints, lab tests."""

from __future__ import annotations

MALE_FIRST = (
    "สมชาย", "สมศักดิ์", "ประเสริฐ", "วิชัย", "สุรชัย", "ณัฐพล", "ธนากร", "อนุชา", "กิตติ",
    "ชัยวัฒน์", "ปิยะ", "บุญมี", "สมบัติ", "อภิชาติ", "ภูมิ", "ธีรพงษ์", "วีระ", "เกียรติศักดิ์",
)  # fmt: skip
FEMALE_FIRST = (
    "สมหญิง", "มาลี", "สุดา", "กาญจนา", "วันเพ็ญ", "ปราณี", "นภา", "อรุณี", "ศิริพร",
    "พรทิพย์", "จันทร์เพ็ญ", "รัตนา", "ณัฐธิดา", "ขวัญใจ", "บุษบา", "ลำดวน", "มณีรัตน์", "ปิยะนุช",
)  # fmt: skip
LAST = (
    "ใจดี", "ทองดี", "ศรีสุข", "แสงทอง", "บุญมา", "รักษา", "มั่นคง", "สุขสวัสดิ์", "วงศ์ใหญ่",
    "พรหมมา", "แก้วมณี", "ชัยชนะ", "สมบูรณ์", "ศรีวงศ์", "บุญเรือง", "คำแก้ว", "อินทร์แก้ว",
    "ทองคำ", "จันทร์หอม", "ปัญญาดี", "สายสุวรรณ", "เพชรรัตน์", "นาคสวัสดิ์", "O'Brien",
)  # fmt: skip

#: (code, name, pcode, hipdata_code)
PTTYPES = (
    ("10", "ชำระเงินเอง", "A1", "SEL"),
    ("20", "ข้าราชการ/เบิกได้", "A2", "OFC"),
    ("21", "ข้าราชการ อปท.", "A2", "LGO"),
    ("30", "บัตรประกันสุขภาพถ้วนหน้า (UC)", "UC", "UCS"),
    ("31", "UC ผู้สูงอายุ", "UC", "UCS"),
    ("32", "UC เด็กอายุไม่เกิน 12 ปี", "UC", "UCS"),
    ("40", "ประกันสังคม", "A7", "SSS"),
    ("50", "พรบ.ผู้ประสบภัยจากรถ", "A9", "SEL"),
    ("60", "แรงงานต่างด้าว", "A8", "NRH"),
    ("70", "ผู้พิการ", "UC", "UCS"),
    ("80", "ทหารผ่านศึก", "UC", "UCS"),
    ("99", "ไม่ทราบสิทธิ", None, None),
)
#: Share of patients per pttype (UC dominates, as in a community hospital).
PTTYPE_WEIGHTS = (8, 10, 2, 40, 15, 8, 10, 1, 2, 2, 1, 1)

ICD10 = (
    "E119", "I10", "J00", "J069", "K297", "M545", "R51", "A099", "N390", "E785", "K021",
    "J209", "L309", "B349", "R509", "I251", "E149", "M179", "H103", "Z000", "O800", "S009",
    "J459", "F329", "G439", "K359", "N189", "D649", "E039", "R101",
)  # fmt: skip

#: (generic name, strengths, units, dosage form, base price in satang)
DRUGS = (
    ("Paracetamol", ("325 mg", "500 mg"), "เม็ด", "tablet", 50),
    ("Amoxicillin", ("250 mg", "500 mg"), "แคปซูล", "capsule", 150),
    ("Metformin", ("500 mg", "850 mg"), "เม็ด", "tablet", 75),
    ("Amlodipine", ("5 mg", "10 mg"), "เม็ด", "tablet", 60),
    ("Simvastatin", ("10 mg", "20 mg", "40 mg"), "เม็ด", "tablet", 90),
    ("Omeprazole", ("20 mg",), "แคปซูล", "capsule", 80),
    ("Chlorpheniramine", ("4 mg",), "เม็ด", "tablet", 20),
    ("Ibuprofen", ("200 mg", "400 mg"), "เม็ด", "tablet", 70),
    ("ORS", ("sachet",), "ซอง", "powder", 300),
    ("Salbutamol", ("2 mg", "inhaler 100 mcg"), "เม็ด", "tablet", 40),
    ("Enalapril", ("5 mg", "20 mg"), "เม็ด", "tablet", 55),
    ("Glipizide", ("5 mg",), "เม็ด", "tablet", 45),
    ("Losartan", ("50 mg",), "เม็ด", "tablet", 120),
    ("Ceftriaxone", ("1 g",), "ขวด", "injection", 4500),
    ("NSS 0.9%", ("1000 ml",), "ถุง", "iv fluid", 3500),
    ("Dextromethorphan", ("15 mg",), "เม็ด", "tablet", 35),
    ("ยาแก้ไอน้ำดำ", ("60 ml",), "ขวด", "syrup", 1500),
    ("ยาธาตุน้ำขาว", ("180 ml",), "ขวด", "syrup", 2500),
)
DRUG_USAGE = ("1T3PC", "1T1HS", "2T2PC", "1C2AC", "PRN", "ครั้งละ 1 เม็ด วันละ 3 ครั้ง หลังอาหาร")

#: Chief complaints as typed at the screening desk: multi-line, tabs, quotes, a backslash.
COMPLAINTS = (
    "ไข้ ไอ มีน้ำมูก 2 วัน",
    "ปวดศีรษะ\nเวียนศีรษะ เป็นๆ หายๆ",
    "เจ็บคอ\tกลืนลำบาก",
    "ปวดท้อง ถ่ายเหลว 3 ครั้ง\r\nไม่มีไข้",
    'มาตามนัด "ติดตามเบาหวาน"',
    "ปวดหลัง\n\tร้าวลงขาซ้าย\n\tเดินลำบาก",
    "ผื่นคันตามตัว หลังทานอาหารทะเล",
    "แผลที่เท้า C:\\พยาบาลทำแผล",
    "follow up HT, BP ok",
    "ไอ 1 สัปดาห์ 🤒",
    "ตรวจสุขภาพประจำปี",
    "เจ็บหน้าอก ร้าวไปแขนซ้าย",
)
SYMPTOMS = ("ไข้", "ไอ", "น้ำมูก", "ปวดศีรษะ", "ปวดท้อง", "คลื่นไส้", "ผื่น", "เหนื่อยหอบ")
ALLERGIES = ("Penicillin\n\tผื่นคัน", "Sulfa drugs", "NSAIDs: ปากบวม\nตาบวม", "แพ้อาหารทะเล\t(กุ้ง)")

#: (code, form name, normal value, result kind) — kinds: num, posneg, text
LAB_ITEMS = (
    ("0001", "CBC", "4.5-11.0", "num"),
    ("0002", "FBS", "70-100", "num"),
    ("0003", "HbA1c", "<6.5", "num"),
    ("0004", "Creatinine", "0.6-1.2", "num"),
    ("0005", "Cholesterol", "<200", "num"),
    ("0006", "Urine albumin", "Negative", "posneg"),
    ("0007", "Urine sugar", "Negative", "posneg"),
    ("0008", "HIV Ab", "Non-reactive", "posneg"),
    ("0009", "Stool exam", "", "text"),
    ("0010", "Triglyceride", "<150", "num"),
    ("0011", "SGPT", "0-40", "num"),
    ("0012", "Potassium", "3.5-5.1", "num"),
)
LAB_FORMS = ("เคมีคลินิก", "โลหิตวิทยา", "จุลทรรศน์ศาสตร์", "ภูมิคุ้มกันวิทยา")
LAB_TEXT_RESULTS = ("ไม่พบ", "พบไข่พยาธิ\nAscaris", "normal", "<0.1", ">500")

WARDS = ("01", "02", "03", "04", "05", "ICU")
DOCTOR_PREFIXES = ("นพ.", "พญ.")
STAFF = ("admin", "nurse01", "opd_card", "reg02", "somchai.j", "malee_k")
