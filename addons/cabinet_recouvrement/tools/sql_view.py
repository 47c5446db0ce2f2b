from odoo import tools
from odoo.tools import SQL


def create_view(cr, table, query):
    """(Re)create the SQL view ``table`` of a report model as ``query``.

    :param query: the SELECT of the view (``SQL``)
    """
    tools.drop_view_if_exists(cr, table)
    cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(table), query))
