-- Version 15: the day from which each theme, action, criterion and person is part of a
-- case, so that a board pack or review for a past day shows the plan and the people as
-- they stood then. Their `created_at` is when they were typed in, which for a case
-- recorded after the fact is not the day they applied from. Null: from the case's start
-- (rows recorded before version 15, and the people named when the case opened).
alter table plan_theme add column from_on text;
alter table plan_action add column from_on text;
alter table criterion add column from_on text;
alter table intervention_actor add column from_on text;
