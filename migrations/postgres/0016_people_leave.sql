-- Version 16: the day a person leaves a case (a commissioner replaced, a board member
-- stepping down). From that day they are not on it: a review, board pack or page of that
-- day or later leaves them out, they take no step and make no move on it, its reminders
-- stop going to them, and a board member or peer reviewer no longer sees the case's
-- organisations through it. Null: still on the case. The row is kept, so the record of
-- who served, and when, stays whole.
alter table intervention_actor add column left_on text;
