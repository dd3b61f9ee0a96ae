"""Data tools: import from the old system or an export, export to JSON Lines, copy between
databases. The CLI's ``import``, ``export`` and ``db copy`` are thin handlers over this
package; writes of imported plans go through the service (``PlanService.importing``) and
every SQL statement lives in :mod:`coachplans.store`."""
