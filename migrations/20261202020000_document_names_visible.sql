-- Issue 14, finding 6: names of documents stored before the upload dropped invisible format characters
-- (bidirectional overrides and isolates, direction marks, zero-width characters…) are cleaned the same way,
-- so that the name shown is the name stored.
update diagnostic_document
set filename = coalesce(
        nullif(regexp_replace(filename,
               '[\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]', '', 'g'), ''),
        'document')
where filename ~ '[\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]';
