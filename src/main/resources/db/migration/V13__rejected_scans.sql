-- Investigators list the scans REJECTED at intake (an unreadable code, a time out of range), newest first, to find
-- the sites and tills that submit garbage: api.md keeps them "so investigators can see" them, and until 2026-12-04
-- nothing could list them (a code that cannot be parsed has no code key, so no timeline reaches it). Partial
-- indexes: only rejected rows enter them, so accepted scans pay one predicate test each, no index insert. One serves
-- the whole list, the other one site's rejections however many other sites have.
CREATE INDEX scans_rejected ON scans (id) WHERE status = 'REJECTED';
CREATE INDEX scans_rejected_site ON scans (site_id, id) WHERE status = 'REJECTED';
