-- The read-only role was called "auditor" (审计（只读）), one letter-string away from
-- the audit administrator ("auditadmin", 审计管理员), who reads the audit trail and
-- not the register: an operator who meant one could create the other, and give
-- someone the register to read. It is now "readonly" (只读查询) (decision 15). The
-- bump lets go of the sessions every running process holds with the old name.
UPDATE users SET role = 'readonly' WHERE role = 'auditor';
UPDATE change_versions SET version = version + 1 WHERE topic = 'auth';
