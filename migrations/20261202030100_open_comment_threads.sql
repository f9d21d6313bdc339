-- The open comment threads of the diagnostics: the one place "open comments" are defined. A thread's state
-- is its root comment's (the Maison answers the root, « pris en compte » or « sans suite »); replies have no
-- state of their own, so counting them made threads nobody could close look open forever.
create view open_comment_thread as
select c.id, c.diagnostic_id, c.section_id
from comment c
where c.parent_id is null and c.status = 'ouvert' and c.hidden_at is null and c.deleted_at is null;
