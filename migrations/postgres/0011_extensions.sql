-- Version 11: deadline extensions. A clock the regime makes extendable ("re-inspection
-- within 12 months, extendable once by 6") moves its obligation's due day; the first due
-- day and the count of extensions are kept, and each extension is in the audit log.

alter table obligation add column extensions bigint not null default 0;
alter table obligation add column first_due text;
