#pragma once
// The catalog queries of introspection: one per object kind, never one per
// table, sent together in one pipeline (one round trip, one snapshot).
// Every query returns rows of every user schema; filtering by --schema,
// extension membership and _qail* names happens in C++ on the results.

namespace qail::introspect::queries {

// Types and expressions print as they would with search_path = public, which
// is the spelling the model keeps ("integer", "billing.money", "users_id_seq").
inline constexpr const char* k_setup =
    "SELECT pg_catalog.set_config('search_path', 'public', true), current_user";

inline constexpr const char* k_user_namespace =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'";

inline constexpr const char* k_extension_members =
    "SELECT classid::regclass::text, objid FROM pg_depend WHERE deptype = 'e'";

inline constexpr const char* k_schemas = R"(
SELECT n.oid, n.nspname, pg_get_userbyid(n.nspowner), n.nspacl::text[], acldefault('n', n.nspowner)::text[],
       has_schema_privilege(n.oid, 'USAGE')
FROM pg_namespace n
WHERE %NS%
ORDER BY n.nspname)";

inline constexpr const char* k_extensions = R"(
SELECT e.oid, e.extname, n.nspname, e.extversion
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
ORDER BY e.extname)";

inline constexpr const char* k_relations = R"(
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.relrowsecurity,
       c.relforcerowsecurity, c.reloptions, c.relispartition,
       pg_get_expr(c.relpartbound, c.oid),
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       (SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid ORDER BY i.inhseqno LIMIT 1),
       pg_get_userbyid(c.relowner), c.relacl::text[],
       acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)::text[],
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
       c.relispopulated
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND %NS%)";

inline constexpr const char* k_columns = R"(
SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN cn.nspname END,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END,
       a.attstorage, t.typstorage, a.attcompression, a.attacl::text[], a.attislocal
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'c', 'v', 'm', 'f') AND %NS%
ORDER BY a.attrelid, a.attnum)";

inline constexpr const char* k_sequences = R"(
SELECT s.seqrelid, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax, s.seqmin,
       s.seqcache, s.seqcycle, d.refobjid, d.refobjsubid, d.deptype
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
WHERE %NS%)";

inline constexpr const char* k_constraints = R"(
SELECT co.oid, co.conrelid, co.contypid, co.conname, co.contype, co.condeferrable, co.condeferred,
       co.convalidated, co.connoinherit, co.conislocal, co.conparentid,
       co.conkey,
       co.confrelid,
       co.confkey,
       co.confupdtype, co.confdeltype, co.confmatchtype,
       CASE WHEN co.contype = 'c' THEN pg_get_constraintdef(co.oid) END,
       i.indnullsnotdistinct,
       CASE WHEN i.indnatts > i.indnkeyatts THEN i.indkey::text END,
       am.amname,
       CASE WHEN co.contype = 'x' THEN ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, false)
             FROM generate_series(1, i.indnkeyatts) k ORDER BY k) END::text[],
       CASE WHEN co.contype = 'x' THEN ARRAY(SELECT x FROM unnest(i.indkey) WITH ORDINALITY u(x, ord)
             ORDER BY ord) END::int[],
       CASE WHEN co.contype = 'x' THEN pg_get_expr(i.indpred, i.indrelid) END,
       CASE WHEN co.contype = 'x' THEN ARRAY(SELECT o.oprname FROM unnest(co.conexclop) WITH ORDINALITY u(op, ord)
             JOIN pg_operator o ON o.oid = u.op ORDER BY ord) END::text[],
       CASE WHEN co.contype = 'x' THEN pg_get_indexdef(i.indexrelid) END,
       i.indnkeyatts
FROM pg_constraint co
JOIN pg_namespace n ON n.oid = co.connamespace
LEFT JOIN pg_index i ON i.indexrelid = co.conindid AND co.contype IN ('p', 'u', 'x')
LEFT JOIN pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_am am ON am.oid = ic.relam
WHERE co.contype IN ('p', 'u', 'f', 'c', 'x') AND %NS%)";

inline constexpr const char* k_indexes = R"(
SELECT i.indexrelid, i.indrelid, c.relname, i.indisunique, am.amname, i.indnkeyatts,
       pg_get_expr(i.indexprs, i.indrelid), i.indkey::text, NULL,
       pg_get_expr(i.indpred, i.indrelid), i.indnullsnotdistinct, c.reloptions,
       -- the whole definition only when a key has something pg_get_indexdef
       -- would print after it (an operator class, collation or order that is
       -- not the default): deparsing every index is the costliest part of a pull
       CASE WHEN EXISTS (
         SELECT 1 FROM generate_series(0, i.indnkeyatts - 1) k
         JOIN pg_opclass opc ON opc.oid = i.indclass[k]
         JOIN pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k + 1
         JOIN pg_type kt ON kt.oid = ia.atttypid
         WHERE i.indoption[k] <> 0
            OR (i.indcollation[k] <> 0 AND i.indcollation[k] <> kt.typcollation)
            OR NOT opc.opcdefault
            OR (opc.opcintype <> ia.atttypid AND EXISTS (
                  SELECT 1 FROM pg_opclass d WHERE d.opcmethod = opc.opcmethod
                  AND d.opcintype = ia.atttypid AND d.opcdefault)))
       THEN pg_get_indexdef(i.indexrelid) END,
       c.relispartition
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = c.relam
LEFT JOIN pg_constraint co ON co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x')
WHERE co.oid IS NULL AND %NS%)";

inline constexpr const char* k_types = R"(
SELECT t.oid, n.nspname, t.typname, t.typtype, t.typrelid,
       CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel FROM pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END::text[],
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
       t.typnotnull, pg_get_expr(t.typdefaultbin, 0),
       CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN cn.nspname END,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN co.collname END,
       pg_get_userbyid(t.typowner), t.typacl::text[], acldefault('T', t.typowner)::text[]
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_class rc ON rc.oid = t.typrelid
LEFT JOIN pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE (t.typtype IN ('e', 'd', 'r', 'b') OR (t.typtype = 'c' AND rc.relkind = 'c'))
  AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
  AND %NS%)";

inline constexpr const char* k_functions = R"(
SELECT p.oid, n.nspname, p.proname, p.prokind, l.lanname, p.provolatile, p.proisstrict,
       p.prosecdef, p.proleakproof, p.proparallel, p.procost, p.prorows, p.proretset,
       format_type(p.prorettype, NULL), p.proconfig, p.prosrc,
       p.prosqlbody IS NOT NULL,
       CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_functiondef(p.oid) END,
       pg_get_function_arguments(p.oid),
       ARRAY(SELECT format_type(u.t, NULL) FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]))
             WITH ORDINALITY u(t, ord) ORDER BY ord)::text[],
       p.proargmodes::text[], p.proargnames,
       pg_get_userbyid(p.proowner), p.proacl::text[], acldefault('f', p.proowner)::text[]
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE %NS% AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                            AND d.objid = p.oid AND d.deptype = 'i'))";

inline constexpr const char* k_triggers = R"(
SELECT t.oid, t.tgrelid, t.tgname, t.tgtype, t.tgenabled, t.tgconstraint <> 0, t.tgdeferrable,
       t.tginitdeferred,
       ARRAY(SELECT a.attname FROM unnest(t.tgattr) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.num ORDER BY k.ord)::text[],
       encode(t.tgargs, 'hex'), t.tgnargs, t.tgoldtable, t.tgnewtable, pn.nspname, p.proname,
       pg_get_triggerdef(t.oid)
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND %NS%)";

inline constexpr const char* k_policies = R"(
SELECT pol.oid, pol.polrelid, pol.polname, pol.polcmd, pol.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN '' ELSE pg_get_userbyid(r) END FROM unnest(pol.polroles) r)::text[],
       pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid)
FROM pg_policy pol
JOIN pg_class c ON c.oid = pol.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE %NS%)";

inline constexpr const char* k_descriptions = R"(
SELECT d.classoid::regclass::text, d.objoid, d.objsubid, d.description
FROM pg_description d
WHERE d.objoid >= 16384)";

// What the model cannot say, so that it is reported instead of dropped.
inline constexpr const char* k_unmanaged = R"(
SELECT 'rule', 'pg_rewrite', r.oid, n.nspname || '.' || c.relname || '.' || r.rulename
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN' AND %NS%
UNION ALL
SELECT 'statistics target', 'pg_attribute', a.attrelid,
       n.nspname || '.' || c.relname || '.' || a.attname || ' = ' || a.attstattarget
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attstattarget > 0 AND a.attnum > 0 AND NOT a.attisdropped AND %NS%
UNION ALL
SELECT 'operator', 'pg_operator', o.oid, n.nspname || '.' || o.oprname
FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE %NS%
UNION ALL
SELECT 'collation', 'pg_collation', co.oid, n.nspname || '.' || co.collname
FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace WHERE %NS%
UNION ALL
SELECT 'statistics', 'pg_statistic_ext', s.oid, n.nspname || '.' || s.stxname
FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE %NS%
UNION ALL
SELECT 'text search configuration', 'pg_ts_config', t.oid, n.nspname || '.' || t.cfgname
FROM pg_ts_config t JOIN pg_namespace n ON n.oid = t.cfgnamespace WHERE %NS%
UNION ALL
SELECT 'text search dictionary', 'pg_ts_dict', t.oid, n.nspname || '.' || t.dictname
FROM pg_ts_dict t JOIN pg_namespace n ON n.oid = t.dictnamespace WHERE %NS%
UNION ALL
SELECT 'operator class', 'pg_opclass', o.oid, n.nspname || '.' || o.opcname
FROM pg_opclass o JOIN pg_namespace n ON n.oid = o.opcnamespace WHERE %NS%
UNION ALL
SELECT 'operator family', 'pg_opfamily', o.oid, n.nspname || '.' || o.opfname
FROM pg_opfamily o JOIN pg_namespace n ON n.oid = o.opfnamespace WHERE %NS%
UNION ALL
SELECT 'conversion', 'pg_conversion', o.oid, n.nspname || '.' || o.conname
FROM pg_conversion o JOIN pg_namespace n ON n.oid = o.connamespace WHERE %NS%
UNION ALL
SELECT 'event trigger', 'pg_event_trigger', e.oid, e.evtname FROM pg_event_trigger e
UNION ALL
SELECT 'publication', 'pg_publication', p.oid, p.pubname FROM pg_publication p
UNION ALL
SELECT 'foreign server', 'pg_foreign_server', s.oid, s.srvname FROM pg_foreign_server s
UNION ALL
SELECT 'cast', 'pg_cast', c.oid, format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL)
FROM pg_cast c WHERE c.oid >= 16384
UNION ALL
SELECT 'default privileges', 'pg_default_acl', d.oid, coalesce(n.nspname, '*') || ' for ' || pg_get_userbyid(d.defaclrole)
FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace)";

} // namespace qail::introspect::queries
