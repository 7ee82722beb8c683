-- A community worker's 学历 becomes a GB/T 4658-2006 code, as a resident's 文化程度
-- is (decision 14). Each of the report's six groups it held becomes the level's own
-- code (codes.EducationOfGroup): 10 研究生教育, 20 大学本科教育, 30 大学专科教育,
-- 40 中等职业教育, 60 普通高级中学教育, 70 初级中学教育; the groups are derived
-- from the code's first digit again, so every figure of the report stays.
UPDATE workers SET education = CASE education
    WHEN 'postgraduate' THEN '10' WHEN 'bachelor' THEN '20' WHEN 'junior_college' THEN '30'
    WHEN 'technical_secondary' THEN '40' WHEN 'senior_high' THEN '60' WHEN 'junior_middle_or_below' THEN '70'
    ELSE education END;

-- The local dictionaries (流入原因) are kept in the browser (decision 22): an entry
-- has an English name beside its Chinese one, and an entry retired on a day stays
-- for the records that hold it but is offered for no new one.
ALTER TABLE dictionary_entries ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE dictionary_entries ADD COLUMN retired_on TEXT;
