"""Build a city: upload the open-data files a city already has and get a new city bundle."""

import streamlit as st

from geo.errors import DioramaError
from geo.kinds import KINDS
from ui import build_city as bc
from ui import state
from ui.cache import get_bundle
from ui.i18n import kind_labels, t
from ui.voices import error_text
from ui.widgets import attribution

state.require_app(__file__)
ss = st.session_state
st.title(t("page_build_city"))
st.write(t("bc_intro"))

if bc.REPORT_KEY in ss:
    bc.show_report(ss[bc.REPORT_KEY])
    if st.button(t("bc_open"), key="bc_open"):
        state.set_value(state.CITY, ss[bc.REPORT_KEY]["city"])
        del ss[bc.REPORT_KEY]
        st.rerun()

if bc.allowed():
    with st.form("build_city"):
        city = st.text_input(t("bc_city_id"), key="bc_city")
        c1, c2, c3 = st.columns(3)
        name_ja = c1.text_input(t("bc_name_ja"), key="bc_name_ja")
        name_en = c2.text_input(t("bc_name_en"), key="bc_name_en")
        pref = c3.number_input(t("bc_prefecture"), min_value=0, max_value=47, value=0,
                               key="bc_pref")
        bc.limits_caption()
        boundary = st.file_uploader(t("bc_boundary"), type=["geojson", "json", "gpkg", "zip"],
                                    max_upload_size=bc.upload_limit("boundary"),
                                    help=t("upload_help", mb=bc.upload_limit("boundary")))
        population = st.file_uploader(t("bc_population"),
                                      type=["geojson", "json", "gpkg", "zip", "csv"],
                                      max_upload_size=bc.upload_limit("population"),
                                      help=t("upload_help", mb=bc.upload_limit("population")))
        facilities = st.file_uploader(t("bc_facilities"), accept_multiple_files=True,
                                      type=["geojson", "json", "gpkg", "csv", "zip", "pbf"],
                                      max_upload_size=bc.upload_limit("facilities"),
                                      help=t("upload_help", mb=bc.upload_limit("facilities")))
        kind = st.selectbox(t("bc_kind"), ["", *[k.key for k in KINDS]],
                            format_func=({"": "—"} | kind_labels()).__getitem__,
                            key="bc_kind", placeholder=t("choose"))
        network = st.file_uploader(t("bc_network"), type=["pbf", "graphml", "gz"],
                                   max_upload_size=bc.upload_limit("network"),
                                   help=t("upload_help", mb=bc.upload_limit("network")))
        flows = st.file_uploader(t("bc_flows"), type=["csv"], accept_multiple_files=True,
                                 max_upload_size=bc.upload_limit("flows"),
                                 help=t("upload_help", mb=bc.upload_limit("flows")))
        attr = st.text_input(t("bc_attribution"), key="bc_attr")
        submitted = st.form_submit_button(t("bc_build"))
    if submitted:
        bar = st.progress(0.0, text=t("bc_checking"))
        try:
            report = bc.run(
                city.strip(),
                uploads={"boundary": boundary, "population": population,
                         "facilities": facilities, "network": network, "flows": flows},
                facility_kind=kind or None,
                meta={"name_ja": name_ja or None, "name_en": name_en or None,
                      "prefecture": int(pref) or None, "attribution": attr},
                progress=lambda done, what: bar.progress(min(max(done, 0.0), 1.0), text=what),
            )
        except (DioramaError, ValueError) as exc:  # bad input, too large, over memory
            bar.empty()
            st.error(t("bc_failed"))
            st.code(error_text(exc), language=None, wrap_lines=True)
        else:
            ss[bc.REPORT_KEY] = report.as_dict()
            st.rerun()
    bc.delete_section()

if ss.get(state.CITY):
    attribution(get_bundle(ss[state.CITY]))
