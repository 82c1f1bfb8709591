package metricsapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

const groupVersion = Group + "/" + Version

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	prefix := "GET /apis/" + groupVersion
	mux.HandleFunc("GET /apis", s.groups)
	mux.HandleFunc("GET /apis/"+Group, s.group)
	mux.HandleFunc(prefix, s.resources)
	mux.HandleFunc(prefix+"/pods", s.list)
	mux.HandleFunc(prefix+"/namespaces/{namespace}/pods", s.list)
	mux.HandleFunc(prefix+"/namespaces/{namespace}/pods/{name}", s.get)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("the server could not find the requested resource (%s %s)", r.Method, r.URL.Path))
	})
	return mux
}

// Discovery: the aggregator asks for aggregated discovery (v2) first and
// falls back to the legacy documents below when the reply is plain JSON.

func (s *Server) groups(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, &metav1.APIGroupList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
		Groups:   []metav1.APIGroup{apiGroup()},
	})
}

func (s *Server) group(w http.ResponseWriter, _ *http.Request) {
	g := apiGroup()
	g.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
	writeJSON(w, http.StatusOK, &g)
}

func apiGroup() metav1.APIGroup {
	v := metav1.GroupVersionForDiscovery{GroupVersion: groupVersion, Version: Version}
	return metav1.APIGroup{Name: Group, Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v}
}

func (s *Server) resources(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: groupVersion,
		APIResources: []metav1.APIResource{{Name: "pods", Namespaced: true, Kind: "PodMetrics", Verbs: []string{"get", "list"}}},
	})
}

// list answers GET .../pods and .../namespaces/{namespace}/pods, with an
// optional labelSelector (the HPA controller always sends one).
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	if fs := r.URL.Query().Get("fieldSelector"); fs != "" {
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "fieldSelector is not supported")
		return
	}
	selector, err := labels.Parse(r.URL.Query().Get("labelSelector"))
	if err != nil {
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "labelSelector: "+err.Error())
		return
	}
	items, ok := s.podMetrics(w, r, r.PathValue("namespace"), selector)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, &metricsv1beta1.PodMetricsList{
		TypeMeta: metav1.TypeMeta{Kind: "PodMetricsList", APIVersion: groupVersion},
		Items:    items,
	})
}

// get answers GET .../namespaces/{namespace}/pods/{name}.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	items, ok := s.podMetrics(w, r, ns, labels.Everything())
	if !ok {
		return
	}
	i := slices.IndexFunc(items, func(m metricsv1beta1.PodMetrics) bool { return m.Name == name })
	if i < 0 {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("podmetrics.%s %q not found", Group, name))
		return
	}
	m := items[i]
	m.TypeMeta = metav1.TypeMeta{Kind: "PodMetrics", APIVersion: groupVersion}
	writeJSON(w, http.StatusOK, &m)
}

// podMetrics asks the provider and sorts the samples by namespace and name;
// it writes the error response itself and returns false on failure.
func (s *Server) podMetrics(w http.ResponseWriter, r *http.Request, ns string, selector labels.Selector) ([]metricsv1beta1.PodMetrics, bool) {
	items, err := s.provider.PodMetrics(r.Context(), ns, selector)
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, "pod metrics: "+err.Error())
		return nil, false
	}
	if items == nil {
		items = []metricsv1beta1.PodMetrics{}
	}
	slices.SortFunc(items, func(a, b metricsv1beta1.PodMetrics) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return items, true
}

func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string) {
	writeJSON(w, code, &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Message: msg, Reason: reason, Code: int32(code),
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		body = fmt.Appendf(nil, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":%q,"reason":"InternalError","code":500}`, err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
