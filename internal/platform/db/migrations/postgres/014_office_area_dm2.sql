-- A community's office and service space is measured to the hundredth of a square
-- metre (149.50 m²), as registers keep areas (decimal(8,2): cn-standards §7), and a
-- whole number of m² could not hold it (issue 10 item 7). The column now counts
-- hundredths of a square metre, 1 dm² each (platform/area), exact in an INTEGER on
-- both databases. The tree held in memory is read again.
ALTER TABLE org_units RENAME COLUMN office_area_m2 TO office_area_dm2;
UPDATE org_units SET office_area_dm2 = office_area_dm2 * 100 WHERE office_area_dm2 IS NOT NULL;
UPDATE change_versions SET version = version + 1 WHERE topic = 'org';
