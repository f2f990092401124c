/* test_vici: unit tests of vici_codec (round trips, malformed frames at
 * every cut point, limits), vici_sa (real charon 5.9.8 events captured in
 * the namespace lab -> tunnel actions) and vici_session (against a fake
 * VICI server on a unix socket, driven by the libev loop). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "vici_codec.h"
#include "vici_fake.h"
#include "vici_sa.h"
#include "vici_session.h"

/* Frames captured from charon 5.9.8 (kernel-libipsec) on gwa of a two
 * namespace lab: children "net" (10.1.0.0/24 <-> 10.2.0.0/24 and the
 * range 10.2.5.1-10.2.5.9) and "web" (10.1.0.0/24[tcp] <->
 * 10.2.7.0/24[tcp/80]), child rekey 10 s, IKE rekey 30 s, then
 * terminate web and the IKE_SA. Whole payloads (without the u32 length). */
/* list-sa, 1162 bytes */
static const char fx_list_sa[] =
	"07076c6973742d736101036c61620308756e6971756569640001310307766572"
	"73696f6e00013203057374617465000b45535441424c4953484544030a6c6f63"
	"616c2d686f737400093139322e302e322e31030a6c6f63616c2d706f72740004"
	"3435303003086c6f63616c2d69640003677761030b72656d6f74652d686f7374"
	"00093139322e302e322e32030b72656d6f74652d706f72740004343530300309"
	"72656d6f74652d696400036777620309696e69746961746f720003796573030d"
	"696e69746961746f722d73706900103832303632333161393865353637333803"
	"0d726573706f6e6465722d737069001066633066653137336534373331303335"
	"030a6e61742d72656d6f7465000379657303076e61742d616e79000379657303"
	"08656e63722d616c6700074145535f434243030c656e63722d6b657973697a65"
	"00033132380309696e7465672d616c670011484d41435f534841325f3235365f"
	"31323803077072662d616c6700115052465f484d41435f534841325f32353603"
	"0864682d67726f7570000b43555256455f3235353139030b65737461626c6973"
	"686564000130030a72656b65792d74696d650002333001096368696c642d7361"
	"7301056e65742d3103046e616d6500036e65740308756e697175656964000131"
	"03057265716964000131030573746174650009494e5354414c4c454403046d6f"
	"6465000654554e4e454c030870726f746f636f6c00034553500305656e636170"
	"000379657303067370692d696e0008343561626139663803077370692d6f7574"
	"000864656438303266330308656e63722d616c67000a4145535f47434d5f3136"
	"030c656e63722d6b657973697a650003313238030862797465732d696e000130"
	"030a7061636b6574732d696e000130030962797465732d6f7574000130030b70"
	"61636b6574732d6f7574000130030a72656b65792d74696d6500013803096c69"
	"66652d74696d6500023131030c696e7374616c6c2d74696d6500013004086c6f"
	"63616c2d747305000b31302e312e302e302f323406040972656d6f74652d7473"
	"05000b31302e322e302e302f323405001231302e322e352e312e2e31302e322e"
	"352e39060201057765622d3203046e616d6500037765620308756e6971756569"
	"6400013203057265716964000132030573746174650009494e5354414c4c4544"
	"03046d6f6465000654554e4e454c030870726f746f636f6c0003455350030565"
	"6e636170000379657303067370692d696e000835303631306634330307737069"
	"2d6f7574000864323539613531370308656e63722d616c67000a4145535f4743"
	"4d5f3136030c656e63722d6b657973697a650003313238030862797465732d69"
	"6e000130030a7061636b6574732d696e000130030962797465732d6f75740001"
	"30030b7061636b6574732d6f7574000130030a72656b65792d74696d65000433"
	"32343703096c6966652d74696d65000433393630030c696e7374616c6c2d7469"
	"6d6500013004086c6f63616c2d747305001031302e312e302e302f32345b7463"
	"705d06040972656d6f74652d747305001531302e322e372e302f32345b746370"
	"2f687474705d06020202";
/* child-updown, 851 bytes */
static const char fx_child_up[] =
	"070c6368696c642d7570646f776e03027570000379657301036c61620308756e"
	"697175656964000131030776657273696f6e00013203057374617465000b4553"
	"5441424c4953484544030a6c6f63616c2d686f737400093139322e302e322e31"
	"030a6c6f63616c2d706f727400043435303003086c6f63616c2d696400036777"
	"61030b72656d6f74652d686f737400093139322e302e322e32030b72656d6f74"
	"652d706f7274000434353030030972656d6f74652d696400036777620309696e"
	"69746961746f720003796573030d696e69746961746f722d7370690010383230"
	"36323331613938653536373338030d726573706f6e6465722d73706900106663"
	"3066653137336534373331303335030a6e61742d72656d6f7465000379657303"
	"076e61742d616e7900037965730308656e63722d616c6700074145535f434243"
	"030c656e63722d6b657973697a6500033132380309696e7465672d616c670011"
	"484d41435f534841325f3235365f31323803077072662d616c6700115052465f"
	"484d41435f534841325f323536030864682d67726f7570000b43555256455f32"
	"35353139030b65737461626c6973686564000130030a72656b65792d74696d65"
	"00023330040c7461736b732d61637469766505000c4348494c445f4352454154"
	"450601096368696c642d73617301056e65742d3103046e616d6500036e657403"
	"08756e6971756569640001310305726571696400013103057374617465000949"
	"4e5354414c4c454403046d6f6465000654554e4e454c030870726f746f636f6c"
	"00034553500305656e636170000379657303067370692d696e00083435616261"
	"39663803077370692d6f7574000864656438303266330308656e63722d616c67"
	"000a4145535f47434d5f3136030c656e63722d6b657973697a65000331323803"
	"0862797465732d696e000130030a7061636b6574732d696e0001300309627974"
	"65732d6f7574000130030b7061636b6574732d6f7574000130030a72656b6579"
	"2d74696d6500013803096c6966652d74696d6500023131030c696e7374616c6c"
	"2d74696d6500013004086c6f63616c2d747305000b31302e312e302e302f3234"
	"06040972656d6f74652d747305000b31302e322e302e302f323405001231302e"
	"322e352e312e2e31302e322e352e3906020202";
/* child-rekey, 1225 bytes */
static const char fx_child_rekey[] =
	"070b6368696c642d72656b657901036c61620308756e69717565696400013103"
	"0776657273696f6e00013203057374617465000b45535441424c495348454403"
	"0a6c6f63616c2d686f737400093139322e302e322e31030a6c6f63616c2d706f"
	"727400043435303003086c6f63616c2d69640003677761030b72656d6f74652d"
	"686f737400093139322e302e322e32030b72656d6f74652d706f727400043435"
	"3030030972656d6f74652d696400036777620309696e69746961746f72000379"
	"6573030d696e69746961746f722d737069001038323036323331613938653536"
	"373338030d726573706f6e6465722d7370690010666330666531373365343733"
	"31303335030a6e61742d72656d6f7465000379657303076e61742d616e790003"
	"7965730308656e63722d616c6700074145535f434243030c656e63722d6b6579"
	"73697a6500033132380309696e7465672d616c670011484d41435f534841325f"
	"3235365f31323803077072662d616c6700115052465f484d41435f534841325f"
	"323536030864682d67726f7570000b43555256455f3235353139030b65737461"
	"626c6973686564000138030a72656b65792d74696d6500023232040c7461736b"
	"732d61637469766505000b4348494c445f52454b455906040d7461736b732d70"
	"61737369766505000b4348494c445f52454b45590601096368696c642d736173"
	"01036e657401036f6c6403046e616d6500036e65740308756e69717565696400"
	"01310305726571696400013103057374617465000752454b4559454403046d6f"
	"6465000654554e4e454c030870726f746f636f6c00034553500305656e636170"
	"000379657303067370692d696e0008343561626139663803077370692d6f7574"
	"000864656438303266330308656e63722d616c67000a4145535f47434d5f3136"
	"030c656e63722d6b657973697a650003313238030862797465732d696e000130"
	"030a7061636b6574732d696e000130030962797465732d6f7574000130030b70"
	"61636b6574732d6f7574000130030a72656b65792d74696d6500013003096c69"
	"66652d74696d65000133030c696e7374616c6c2d74696d6500013804086c6f63"
	"616c2d747305000b31302e312e302e302f323406040972656d6f74652d747305"
	"000b31302e322e302e302f323405001231302e322e352e312e2e31302e322e35"
	"2e39060201036e657703046e616d6500036e65740308756e6971756569640001"
	"3403057265716964000131030573746174650009494e5354414c4c454403046d"
	"6f6465000654554e4e454c030870726f746f636f6c00034553500305656e6361"
	"70000379657303067370692d696e0008346336363962336603077370692d6f75"
	"74000834313033393733620308656e63722d616c67000a4145535f47434d5f31"
	"36030c656e63722d6b657973697a650003313238030862797465732d696e0001"
	"30030a7061636b6574732d696e000130030962797465732d6f7574000130030b"
	"7061636b6574732d6f7574000130030a72656b65792d74696d6500013803096c"
	"6966652d74696d6500023131030c696e7374616c6c2d74696d6500013004086c"
	"6f63616c2d747305000b31302e312e302e302f323406040972656d6f74652d74"
	"7305000b31302e322e302e302f323405001231302e322e352e312e2e31302e32"
	"2e352e390602020202";
/* ike-rekey, 889 bytes */
static const char fx_ike_rekey[] =
	"0709696b652d72656b657901036c616201036f6c640308756e69717565696400"
	"0131030776657273696f6e00013203057374617465000b45535441424c495348"
	"4544030a6c6f63616c2d686f737400093139322e302e322e31030a6c6f63616c"
	"2d706f727400043435303003086c6f63616c2d69640003677761030b72656d6f"
	"74652d686f737400093139322e302e322e32030b72656d6f74652d706f727400"
	"0434353030030972656d6f74652d696400036777620309696e69746961746f72"
	"0003796573030d696e69746961746f722d737069001038323036323331613938"
	"653536373338030d726573706f6e6465722d7370690010666330666531373365"
	"34373331303335030a6e61742d72656d6f7465000379657303076e61742d616e"
	"7900037965730308656e63722d616c6700074145535f434243030c656e63722d"
	"6b657973697a6500033132380309696e7465672d616c670011484d41435f5348"
	"41325f3235365f31323803077072662d616c6700115052465f484d41435f5348"
	"41325f323536030864682d67726f7570000b43555256455f3235353139030b65"
	"737461626c697368656400023238030a72656b65792d74696d65000132040d74"
	"61736b732d70617373697665050009494b455f52454b4559060201036e657703"
	"08756e697175656964000132030776657273696f6e0001320305737461746500"
	"0b45535441424c4953484544030a6c6f63616c2d686f737400093139322e302e"
	"322e31030a6c6f63616c2d706f727400043435303003086c6f63616c2d696400"
	"03677761030b72656d6f74652d686f737400093139322e302e322e32030b7265"
	"6d6f74652d706f7274000434353030030972656d6f74652d6964000367776203"
	"0d696e69746961746f722d737069001037663138643533613334653834336532"
	"030d726573706f6e6465722d7370690010653464326461656231303965373463"
	"62030a6e61742d72656d6f7465000379657303076e61742d616e790003796573"
	"0308656e63722d616c6700074145535f434243030c656e63722d6b657973697a"
	"6500033132380309696e7465672d616c670011484d41435f534841325f323536"
	"5f31323803077072662d616c6700115052465f484d41435f534841325f323536"
	"030864682d67726f7570000b43555256455f3235353139030b65737461626c69"
	"73686564000130030a72656b65792d74696d65000233300202";
/* child-updown, 825 bytes */
static const char fx_child_down[] =
	"070c6368696c642d7570646f776e01036c61620308756e697175656964000132"
	"030776657273696f6e00013203057374617465000b45535441424c4953484544"
	"030a6c6f63616c2d686f737400093139322e302e322e31030a6c6f63616c2d70"
	"6f727400043435303003086c6f63616c2d69640003677761030b72656d6f7465"
	"2d686f737400093139322e302e322e32030b72656d6f74652d706f7274000434"
	"353030030972656d6f74652d69640003677762030d696e69746961746f722d73"
	"7069001037663138643533613334653834336532030d726573706f6e6465722d"
	"737069001065346432646165623130396537346362030a6e61742d72656d6f74"
	"65000379657303076e61742d616e7900037965730308656e63722d616c670007"
	"4145535f434243030c656e63722d6b657973697a6500033132380309696e7465"
	"672d616c670011484d41435f534841325f3235365f31323803077072662d616c"
	"6700115052465f484d41435f534841325f323536030864682d67726f7570000b"
	"43555256455f3235353139030b65737461626c697368656400023132030a7265"
	"6b65792d74696d6500023138040c7461736b732d61637469766505000c434849"
	"4c445f44454c4554450601096368696c642d73617301057765622d3203046e61"
	"6d6500037765620308756e697175656964000132030572657169640001320305"
	"7374617465000744454c4554454403046d6f6465000654554e4e454c03087072"
	"6f746f636f6c00034553500305656e636170000379657303067370692d696e00"
	"08353036313066343303077370692d6f7574000864323539613531370308656e"
	"63722d616c67000a4145535f47434d5f3136030c656e63722d6b657973697a65"
	"0003313238030862797465732d696e000130030a7061636b6574732d696e0001"
	"30030962797465732d6f7574000130030b7061636b6574732d6f757400013003"
	"0a72656b65792d74696d6500043332303703096c6966652d74696d6500043339"
	"3230030c696e7374616c6c2d74696d650002343004086c6f63616c2d74730500"
	"1031302e312e302e302f32345b7463705d06040972656d6f74652d7473050015"
	"31302e322e372e302f32345b7463702f687474705d06020202";
/* ike-updown, 419 bytes */
static const char fx_ike_down[] =
	"070a696b652d7570646f776e01036c61620308756e6971756569640001320307"
	"76657273696f6e00013203057374617465000844454c4554494e47030a6c6f63"
	"616c2d686f737400093139322e302e322e31030a6c6f63616c2d706f72740004"
	"3435303003086c6f63616c2d69640003677761030b72656d6f74652d686f7374"
	"00093139322e302e322e32030b72656d6f74652d706f72740004343530300309"
	"72656d6f74652d69640003677762030d696e69746961746f722d737069001037"
	"663138643533613334653834336532030d726573706f6e6465722d7370690010"
	"65346432646165623130396537346362030a6e61742d72656d6f746500037965"
	"7303076e61742d616e7900037965730308656e63722d616c6700074145535f43"
	"4243030c656e63722d6b657973697a6500033132380309696e7465672d616c67"
	"0011484d41435f534841325f3235365f31323803077072662d616c6700115052"
	"465f484d41435f534841325f323536030864682d67726f7570000b4355525645"
	"5f3235353139040c7461736b732d61637469766505000a494b455f44454c4554"
	"450602";
/* child-updown, 789 bytes */
static const char fx_child_down_after_ike[] =
	"070c6368696c642d7570646f776e01036c61620308756e697175656964000132"
	"030776657273696f6e00013203057374617465000844454c4554494e47030a6c"
	"6f63616c2d686f737400093139322e302e322e31030a6c6f63616c2d706f7274"
	"00043435303003086c6f63616c2d69640003677761030b72656d6f74652d686f"
	"737400093139322e302e322e32030b72656d6f74652d706f7274000434353030"
	"030972656d6f74652d69640003677762030d696e69746961746f722d73706900"
	"1037663138643533613334653834336532030d726573706f6e6465722d737069"
	"001065346432646165623130396537346362030a6e61742d72656d6f74650003"
	"79657303076e61742d616e7900037965730308656e63722d616c670007414553"
	"5f434243030c656e63722d6b657973697a6500033132380309696e7465672d61"
	"6c670011484d41435f534841325f3235365f31323803077072662d616c670011"
	"5052465f484d41435f534841325f323536030864682d67726f7570000b435552"
	"56455f3235353139040c7461736b732d61637469766505000a494b455f44454c"
	"4554450601096368696c642d73617301056e65742d3903046e616d6500036e65"
	"740308756e697175656964000139030572657169640001310305737461746500"
	"09494e5354414c4c454403046d6f6465000654554e4e454c030870726f746f63"
	"6f6c00034553500305656e636170000379657303067370692d696e0008616536"
	"633336656503077370692d6f7574000830313135643466330308656e63722d61"
	"6c67000a4145535f47434d5f3136030c656e63722d6b657973697a6500033132"
	"38030862797465732d696e000130030a7061636b6574732d696e000130030962"
	"797465732d6f7574000130030b7061636b6574732d6f7574000130030a72656b"
	"65792d74696d6500013703096c6966652d74696d6500023130030c696e737461"
	"6c6c2d74696d6500013104086c6f63616c2d747305000b31302e312e302e302f"
	"323406040972656d6f74652d747305000b31302e322e302e302f323405001231"
	"302e322e352e312e2e31302e322e352e3906020202";

/* ---- helpers */

struct blob {
	uint8_t *p;
	size_t len;
};

static struct blob hex(const char *h)
{
	struct blob b;
	size_t i, n = strlen(h) / 2;
	unsigned int v;

	b.p = malloc(n ? n : 1);
	assert_non_null(b.p);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		b.p[i] = (uint8_t)v;
	}
	b.len = n;
	return b;
}

static struct vici_msg *parse_ok(const struct blob *b)
{
	struct vici_msg *m = NULL;
	char err[VICI_ERR_MAX] = "";

	if (vici_msg_parse(b->p, b->len, &m, err) < 0)
		fail_msg("parse failed: %s", err);
	return m;
}

static void parse_err(const uint8_t *p, size_t len, const char *want)
{
	struct vici_msg *m = (struct vici_msg *)1;
	char err[VICI_ERR_MAX] = "";

	assert_int_equal(vici_msg_parse(p, len, &m, err), -1);
	assert_null(m);
	assert_true(err[0] != '\0');
	if (want && !strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
}

/* Payload (no u32 length) of an encoded frame. */
static struct blob payload_of(enum vici_op op, const char *name,
			      const struct vici_builder *b)
{
	struct blob r;
	uint8_t *f;
	size_t flen;
	char err[VICI_ERR_MAX];

	if (vici_encode(op, name, b, &f, &flen, err) < 0)
		fail_msg("encode: %s", err);
	assert_true(flen >= 5);
	assert_int_equal(((size_t)f[0] << 24 | (size_t)f[1] << 16 |
			  (size_t)f[2] << 8 | f[3]),
			 flen - 4);
	r.len = flen - 4;
	r.p = malloc(r.len);
	assert_non_null(r.p);
	memcpy(r.p, f + 4, r.len);
	free(f);
	return r;
}

/* ---- codec */

static void test_codec_roundtrip(void **state)
{
	struct vici_builder b;
	struct blob p, p2;
	struct vici_msg *m;
	const struct vici_elem *sec, *l, *it, *e;
	static const uint8_t bin[] = { 'a', 0, 'b', 0xff };

	(void)state;
	vici_builder_init(&b);
	vici_builder_kv_str(&b, "child", "net");
	vici_builder_kv(&b, "bin", bin, sizeof(bin));
	vici_builder_kv(&b, "empty", "", 0);
	vici_builder_section_start(&b, "conn");
	vici_builder_list_start(&b, "local_ts");
	vici_builder_list_item_str(&b, "10.1.0.0/24");
	vici_builder_list_item_str(&b, "fec1::/16");
	vici_builder_list_end(&b);
	vici_builder_section_start(&b, "inner");
	vici_builder_section_end(&b);
	vici_builder_section_end(&b);
	vici_builder_section_start(&b, "second");
	vici_builder_section_end(&b);
	assert_null(vici_builder_error(&b));
	p = payload_of(VICI_CMD_REQUEST, "initiate", &b);
	assert_int_equal(p.p[0], VICI_CMD_REQUEST);
	assert_int_equal(p.p[1], 8);
	assert_memory_equal(p.p + 2, "initiate", 8);

	m = parse_ok(&p);
	assert_int_equal(m->op, VICI_CMD_REQUEST);
	assert_string_equal(m->name, "initiate");
	assert_string_equal(vici_get_str(&m->root, "child"), "net");
	assert_null(vici_get_str(&m->root, "bin"));	/* holds a NUL */
	e = vici_find(&m->root, "bin", VICI_KV);
	assert_non_null(e);
	assert_int_equal(e->len, sizeof(bin));
	assert_memory_equal(e->value, bin, sizeof(bin));
	assert_string_equal(vici_get_str(&m->root, "empty"), "");
	assert_null(vici_get_str(&m->root, "missing"));
	assert_null(vici_get_str(&m->root, "conn"));	/* a section */
	sec = vici_next_section(&m->root, NULL);
	assert_non_null(sec);
	assert_string_equal(sec->name, "conn");
	l = vici_find(sec, "local_ts", VICI_LIST);
	it = vici_next_item(l, NULL);
	assert_non_null(it);
	assert_string_equal(it->value, "10.1.0.0/24");
	it = vici_next_item(l, it);
	assert_string_equal(it->value, "fec1::/16");
	assert_null(vici_next_item(l, it));
	assert_non_null(vici_find(sec, "inner", VICI_SECTION));
	sec = vici_next_section(&m->root, sec);
	assert_string_equal(sec->name, "second");
	assert_null(vici_next_section(&m->root, sec));
	assert_null(vici_next_section(NULL, NULL));

	/* the tree encodes back to the same bytes */
	vici_builder_free(&b);
	vici_builder_init(&b);
	vici_builder_add_tree(&b, &m->root);
	p2 = payload_of(VICI_CMD_REQUEST, m->name, &b);
	assert_int_equal(p2.len, p.len);
	assert_memory_equal(p2.p, p.p, p.len);
	vici_msg_free(m);
	vici_builder_free(&b);
	free(p.p);
	free(p2.p);

	/* unnamed operations carry no name */
	p = payload_of(VICI_CMD_RESPONSE, NULL, NULL);
	assert_int_equal(p.len, 1);
	m = parse_ok(&p);
	assert_int_equal(m->op, VICI_CMD_RESPONSE);
	assert_string_equal(m->name, "");
	assert_null(m->root.child);
	vici_msg_free(m);
	free(p.p);
}

static const char *const fixtures[] = {
	fx_list_sa,   fx_child_up,   fx_child_rekey,	      fx_ike_rekey,
	fx_child_down, fx_ike_down, fx_child_down_after_ike,
};
#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static void test_codec_real_frames(void **state)
{
	struct vici_builder b;
	struct vici_msg *m;
	struct blob p, p2;
	size_t i;

	(void)state;
	for (i = 0; i < N_FIXTURES; i++) {
		p = hex(fixtures[i]);
		m = parse_ok(&p);
		assert_int_equal(m->op, VICI_EVENT);
		assert_true(vici_sa_event_known(m->name));
		vici_builder_init(&b);
		vici_builder_add_tree(&b, &m->root);
		p2 = payload_of(VICI_EVENT, m->name, &b);
		assert_int_equal(p2.len, p.len);
		assert_memory_equal(p2.p, p.p, p.len);
		vici_builder_free(&b);
		vici_msg_free(m);
		free(p.p);
		free(p2.p);
	}
}

/* Every proper prefix of a real frame is rejected once its IKE_SA section
 * has begun (and no prefix crashes or leaks). */
static void test_codec_truncated(void **state)
{
	struct vici_msg *m;
	char err[VICI_ERR_MAX];
	struct blob p;
	size_t i, cut, first;

	(void)state;
	for (i = 0; i < N_FIXTURES; i++) {
		p = hex(fixtures[i]);
		first = 2 + p.p[1];	/* op, name length, name */
		while (first < p.len && p.p[first] != VICI_W_SECTION_START)
			first++;
		assert_true(first < p.len);
		for (cut = 0; cut < p.len; cut++) {
			int rc = vici_msg_parse(p.p, cut, &m, err);

			if (cut < 2 + (size_t)p.p[1] || cut > first) {
				assert_int_equal(rc, -1);
				assert_null(m);
			}
			vici_msg_free(m);
		}
		free(p.p);
	}
	parse_err((const uint8_t *)"\x07\x05" "ev", 4, "truncated EVENT name");
	parse_err((const uint8_t *)"\x01\x03\x01k", 4, "truncated key-value");
	parse_err((const uint8_t *)"\x01\x03\x01k\x00\x02v", 7,
		  "truncated key-value");
	parse_err((const uint8_t *)"\x01\x01\x05sect", 7, "truncated section");
	parse_err((const uint8_t *)"\x01\x01\x01s", 4, "section not closed");
	parse_err((const uint8_t *)"\x01\x04\x01l\x05\x00", 6,
		  "truncated list item");
	parse_err((const uint8_t *)"\x01\x04\x01l", 4, "list not closed");
	parse_err(NULL, 0, "empty");
}

static void test_codec_malformed(void **state)
{
	(void)state;
	parse_err((const uint8_t *)"\x08", 1, "unknown operation 8");
	parse_err((const uint8_t *)"\x01\x02", 2, "section end without start");
	parse_err((const uint8_t *)"\x01\x06", 2, "list end without start");
	parse_err((const uint8_t *)"\x01\x05\x00\x00", 4,
		  "list item outside a list");
	parse_err((const uint8_t *)"\x01\x07", 2, "unknown element type");
	parse_err((const uint8_t *)"\x07\x02" "a\0", 4, "NUL byte in EVENT");
	parse_err((const uint8_t *)"\x01\x03\x02k\0\x00\x00", 7,
		  "key name holds a NUL byte");
	parse_err((const uint8_t *)"\x01\x01\x01\0\x02", 5,
		  "section name holds a NUL byte");
	parse_err((const uint8_t *)"\x01\x04\x01\0\x06", 5,
		  "list name holds a NUL byte");
	parse_err((const uint8_t *)"\x01\x00", 2, "unknown element type");
	parse_err((const uint8_t *)"\x01\x04\x01l\x01\x01s\x02\x06", 9,
		  "inside a list");
	parse_err((const uint8_t *)"\x01\x04\x01l\x09", 5,
		  "unknown element type");
	parse_err((const uint8_t *)"\x01\x04\x01l\x04\x01m\x06", 8,
		  "inside a list");
	/* names of every length up to 255 are fine */
	{
		uint8_t buf[300];
		struct vici_msg *m;
		char err[VICI_ERR_MAX];

		buf[0] = VICI_CMD_RESPONSE;
		buf[1] = VICI_W_KEY_VALUE;
		buf[2] = 255;
		memset(buf + 3, 'k', 255);
		buf[258] = 0;
		buf[259] = 1;
		buf[260] = 'v';
		assert_int_equal(vici_msg_parse(buf, 261, &m, err), 0);
		assert_int_equal(strlen(m->root.child->name), 255);
		vici_msg_free(m);
	}
}

static void test_codec_limits(void **state)
{
	uint8_t *big;
	size_t i, n;
	struct vici_msg *m;
	struct vici_builder b;
	char err[VICI_ERR_MAX], name[300];
	uint8_t *f;
	size_t flen;

	(void)state;
	/* nesting: 16 levels parse, 17 do not */
	big = malloc(VICI_FRAME_MAX + 1);
	assert_non_null(big);
	for (n = 16; n <= 17; n++) {
		size_t o = 0;

		big[o++] = VICI_CMD_RESPONSE;
		for (i = 0; i < n; i++) {
			big[o++] = VICI_W_SECTION_START;
			big[o++] = 1;
			big[o++] = 's';
		}
		for (i = 0; i < n; i++)
			big[o++] = VICI_W_SECTION_END;
		if (n == 16) {
			assert_int_equal(vici_msg_parse(big, o, &m, err), 0);
			vici_msg_free(m);
		} else {
			parse_err(big, o, "nesting deeper than 16");
		}
	}
	/* element count */
	big[0] = VICI_CMD_RESPONSE;
	for (i = 0; i < VICI_ELEMENTS_MAX + 1; i++) {
		uint8_t *e = big + 1 + 4 * i;

		e[0] = VICI_W_KEY_VALUE;
		e[1] = 0;
		e[2] = 0;
		e[3] = 0;
	}
	assert_int_equal(vici_msg_parse(big, 1 + 4 * (size_t)VICI_ELEMENTS_MAX,
					&m, err),
			 0);
	vici_msg_free(m);
	parse_err(big, 1 + 4 * ((size_t)VICI_ELEMENTS_MAX + 1),
		  "too many elements");
	/* size */
	memset(big, 0, VICI_FRAME_MAX + 1);
	big[0] = VICI_CMD_RESPONSE;
	parse_err(big, VICI_FRAME_MAX + 1, "exceeds");
	free(big);

	/* builder limits */
	vici_builder_init(&b);
	for (i = 0; i < 17; i++)
		vici_builder_section_start(&b, "s");
	assert_non_null(vici_builder_error(&b));
	assert_string_equal(vici_builder_error(&b), "nesting deeper than 16");
	assert_int_equal(vici_encode(VICI_CMD_REQUEST, "x", &b, &f, &flen,
				     err),
			 -1);
	assert_null(f);
	vici_builder_free(&b);

	vici_builder_init(&b);
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	vici_builder_kv_str(&b, name, "v");
	assert_string_equal(vici_builder_error(&b),
			    "name longer than 255 bytes");
	vici_builder_free(&b);

	vici_builder_init(&b);
	big = calloc(1, VICI_VALUE_MAX + 1);
	vici_builder_kv(&b, "k", big, VICI_VALUE_MAX + 1);
	assert_string_equal(vici_builder_error(&b),
			    "value longer than 65535 bytes");
	vici_builder_free(&b);

	/* a body over 512 KiB */
	vici_builder_init(&b);
	for (i = 0; i < 9 && !vici_builder_error(&b); i++)
		vici_builder_kv(&b, "k", big, VICI_VALUE_MAX);
	assert_string_equal(vici_builder_error(&b), "message too big");
	vici_builder_free(&b);
	free(big);

	vici_builder_init(&b);
	vici_builder_section_end(&b);
	assert_string_equal(vici_builder_error(&b),
			    "section end without start");
	vici_builder_free(&b);
	vici_builder_init(&b);
	vici_builder_list_item_str(&b, "x");
	assert_string_equal(vici_builder_error(&b), "list item outside a list");
	vici_builder_free(&b);
	vici_builder_init(&b);
	vici_builder_section_start(&b, "open");
	assert_string_equal(vici_builder_error(&b), "section not closed");
	vici_builder_free(&b);
	vici_builder_init(&b);
	vici_builder_list_start(&b, "l");
	vici_builder_kv_str(&b, "k", "v");
	assert_non_null(strstr(vici_builder_error(&b), "inside a list"));
	vici_builder_free(&b);

	/* encoder argument checks */
	assert_int_equal(vici_encode(VICI_CMD_REQUEST, "", NULL, &f, &flen,
				     err),
			 -1);
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	assert_int_equal(vici_encode(VICI_EVENT_REGISTER, name, NULL, &f,
				     &flen, err),
			 -1);
	vici_builder_init(&b);
	vici_builder_kv_str(&b, "k", "v");
	assert_int_equal(vici_encode(VICI_EVENT_REGISTER, "x", &b, &f, &flen,
				     err),
			 -1);
	assert_non_null(strstr(err, "carries no body"));
	vici_builder_free(&b);
}

static void test_splitter(void **state)
{
	struct vici_splitter s;
	const uint8_t *p;
	size_t len, i, k, total = 0, got = 0;
	uint8_t *stream;
	struct blob fx[N_FIXTURES];
	char err[VICI_ERR_MAX];
	int rc;

	(void)state;
	for (i = 0; i < N_FIXTURES; i++) {
		fx[i] = hex(fixtures[i]);
		total += 4 + fx[i].len;
	}
	stream = malloc(total);
	assert_non_null(stream);
	for (i = 0, k = 0; i < N_FIXTURES; i++) {
		stream[k++] = 0;
		stream[k++] = 0;
		stream[k++] = (uint8_t)(fx[i].len >> 8);
		stream[k++] = (uint8_t)fx[i].len;
		memcpy(stream + k, fx[i].p, fx[i].len);
		k += fx[i].len;
	}
	/* byte by byte, and in chunks of 7 */
	for (int chunk = 1; chunk <= 7; chunk += 6) {
		vici_splitter_init(&s);
		got = 0;
		for (k = 0; k < total; k += (size_t)chunk) {
			size_t n = total - k < (size_t)chunk ? total - k
							      : (size_t)chunk;

			assert_int_equal(vici_splitter_feed(&s, stream + k, n),
					 0);
			while ((rc = vici_splitter_next(&s, &p, &len, err))) {
				assert_int_equal(rc, 1);
				assert_true(got < N_FIXTURES);
				assert_int_equal(len, fx[got].len);
				assert_memory_equal(p, fx[got].p, len);
				got++;
			}
		}
		assert_int_equal(got, N_FIXTURES);
		assert_int_equal(vici_splitter_pending(&s), 0);
		vici_splitter_free(&s);
	}
	/* bad lengths */
	vici_splitter_init(&s);
	assert_int_equal(vici_splitter_feed(&s, "\0\0\0\0", 4), 0);
	assert_int_equal(vici_splitter_next(&s, &p, &len, err), -1);
	assert_non_null(strstr(err, "frame length 0"));
	assert_int_equal(vici_splitter_next(&s, &p, &len, err), -1);
	vici_splitter_free(&s);
	vici_splitter_init(&s);
	assert_int_equal(vici_splitter_feed(&s, "\x00\x08\x00\x01", 4), 0);
	assert_int_equal(vici_splitter_next(&s, &p, &len, err), -1);
	assert_non_null(strstr(err, "out of range"));
	vici_splitter_free(&s);
	/* exactly 512 KiB is allowed: needs more bytes */
	vici_splitter_init(&s);
	assert_int_equal(vici_splitter_feed(&s, "\x00\x08\x00\x00\x01", 5),
			 0);
	assert_int_equal(vici_splitter_next(&s, &p, &len, err), 0);
	assert_int_equal(vici_splitter_pending(&s), 5);
	vici_splitter_free(&s);
	for (i = 0; i < N_FIXTURES; i++)
		free(fx[i].p);
	free(stream);
}

/* ---- vici_sa */

static void translate(const char *fx, struct vici_sa_result *r,
		      char *name_out)
{
	struct blob p = hex(fx);
	struct vici_msg *m = parse_ok(&p);
	char err[VICI_ERR_MAX];

	if (vici_sa_translate(m->name, &m->root, r, err) < 0)
		fail_msg("translate %s: %s", m->name, err);
	if (name_out)
		strcpy(name_out, m->name);
	vici_msg_free(m);
	free(p.p);
}

static void assert_ts(const struct mep_prefix *p, const char *want)
{
	char buf[MEP_PREFIX_STRLEN];

	assert_string_equal(mep_prefix_str(p, buf, sizeof(buf)), want);
}

static void test_sa_list(void **state)
{
	struct vici_sa_result r;
	const struct tunnel_child *c;
	char name[300];

	(void)state;
	vici_sa_result_init(&r);
	translate(fx_list_sa, &r, name);
	assert_string_equal(name, "list-sa");
	/* two CHILD_SAs, then the IKE_SA: ESTABLISHED */
	assert_int_equal(r.n, 3);
	assert_int_equal(r.v[2].kind, VICI_SA_IKE_UP);
	assert_int_equal(r.v[2].ike_id, 1);
	assert_string_equal(r.v[2].child.ike_name, "lab");
	assert_string_equal(r.v[2].child.remote_host, "192.0.2.2");
	assert_string_equal(r.v[2].child.remote_id, "gwb");
	assert_string_equal(r.v[2].child.state, "ESTABLISHED");
	assert_int_equal(r.v[2].child.n_remote_ts, 0);
	assert_int_equal(r.v[0].kind, VICI_SA_UPSERT);
	c = &r.v[0].child;
	assert_int_equal(c->ike_id, 1);
	assert_int_equal(c->child_id, 1);
	assert_string_equal(c->ike_name, "lab");
	assert_string_equal(c->child_name, "net");
	assert_string_equal(c->remote_host, "192.0.2.2");
	assert_string_equal(c->remote_id, "gwb");
	assert_string_equal(c->state, "INSTALLED");
	assert_int_equal(c->gateway, -1);
	assert_int_equal(c->n_local_ts, 1);
	assert_ts(&c->local_ts[0], "10.1.0.0/24");
	/* the range 10.2.5.1..10.2.5.9 is no prefix: skipped, noted */
	assert_int_equal(c->n_remote_ts, 1);
	assert_ts(&c->remote_ts[0], "10.2.0.0/24");
	assert_non_null(strstr(strbuf_str(&r.notes),
			       "remote-ts '10.2.5.1..10.2.5.9' is no prefix"));
	c = &r.v[1].child;
	assert_int_equal(r.v[1].kind, VICI_SA_UPSERT);
	assert_int_equal(c->child_id, 2);
	assert_string_equal(c->child_name, "web");
	/* protocol/port suffixes are dropped */
	assert_int_equal(c->n_local_ts, 1);
	assert_ts(&c->local_ts[0], "10.1.0.0/24");
	assert_int_equal(c->n_remote_ts, 1);
	assert_ts(&c->remote_ts[0], "10.2.7.0/24");
	vici_sa_result_free(&r);
}

static void test_sa_updown_rekey(void **state)
{
	struct vici_sa_result r;

	(void)state;
	vici_sa_result_init(&r);
	translate(fx_child_up, &r, NULL);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].kind, VICI_SA_UPSERT);
	assert_int_equal(r.v[0].child.ike_id, 1);
	assert_int_equal(r.v[0].child.child_id, 1);
	assert_string_equal(r.v[0].child.state, "INSTALLED");
	/* its IKE_SA is ESTABLISHED */
	assert_int_equal(r.v[1].kind, VICI_SA_IKE_UP);
	assert_int_equal(r.v[1].ike_id, 1);

	/* child rekey: new one first, then the old one goes */
	vici_sa_result_reset(&r);
	translate(fx_child_rekey, &r, NULL);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].kind, VICI_SA_UPSERT);
	assert_int_equal(r.v[0].child.ike_id, 1);
	assert_int_equal(r.v[0].child.child_id, 4);
	assert_string_equal(r.v[0].child.state, "INSTALLED");
	assert_string_equal(r.v[0].child.child_name, "net");
	assert_ts(&r.v[0].child.remote_ts[0], "10.2.0.0/24");
	assert_int_equal(r.v[1].kind, VICI_SA_REMOVE_CHILD);
	assert_int_equal(r.v[1].ike_id, 1);
	assert_int_equal(r.v[1].child_id, 1);

	/* IKE rekey lists no children: the new IKE_SA is up, resync */
	vici_sa_result_reset(&r);
	translate(fx_ike_rekey, &r, NULL);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].kind, VICI_SA_IKE_UP);
	assert_int_equal(r.v[0].ike_id, 2);
	assert_int_equal(r.v[1].kind, VICI_SA_RESYNC);

	vici_sa_result_reset(&r);
	translate(fx_child_down, &r, NULL);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].kind, VICI_SA_REMOVE_CHILD);
	assert_int_equal(r.v[0].ike_id, 2);
	assert_int_equal(r.v[0].child_id, 2);

	vici_sa_result_reset(&r);
	translate(fx_ike_down, &r, NULL);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].kind, VICI_SA_REMOVE_IKE);
	assert_int_equal(r.v[0].ike_id, 2);

	/* charon reports the last child down after its IKE_SA, still in
	 * state INSTALLED: no up key, so it is a removal */
	vici_sa_result_reset(&r);
	translate(fx_child_down_after_ike, &r, NULL);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].kind, VICI_SA_REMOVE_CHILD);
	assert_int_equal(r.v[0].ike_id, 2);
	assert_int_equal(r.v[0].child_id, 9);
	vici_sa_result_free(&r);
}

/* Build an IKE_SA body by hand. */
static void ike_body(struct vici_builder *b, const char *uid,
		     const char *child_uid, size_t n_ts, const char *state)
{
	size_t i;
	char ts[32];

	vici_builder_init(b);
	vici_builder_section_start(b, "conn");
	if (uid)
		vici_builder_kv_str(b, "uniqueid", uid);
	vici_builder_kv_str(b, "remote-host", "2001:db8::2");
	vici_builder_section_start(b, "child-sas");
	vici_builder_section_start(b, "c-1");
	if (child_uid)
		vici_builder_kv_str(b, "uniqueid", child_uid);
	vici_builder_kv_str(b, "state", state);
	vici_builder_list_start(b, "remote-ts");
	for (i = 0; i < n_ts; i++) {
		snprintf(ts, sizeof(ts), "fd00:%zx::/32", i + 1);
		vici_builder_list_item_str(b, ts);
	}
	vici_builder_list_end(b);
	vici_builder_section_end(b);
	vici_builder_section_end(b);
	vici_builder_section_end(b);
}

static struct vici_msg *body_msg(struct vici_builder *b)
{
	struct blob p = payload_of(VICI_EVENT, "list-sa", b);
	struct vici_msg *m = parse_ok(&p);

	free(p.p);
	vici_builder_free(b);
	return m;
}

static void test_sa_bad(void **state)
{
	struct vici_sa_result r;
	struct vici_builder b;
	struct vici_msg *m;
	char err[VICI_ERR_MAX];

	(void)state;
	vici_sa_result_init(&r);
	/* too many selectors: 32 kept, the rest noted */
	ike_body(&b, "7", "8", TUNNEL_MAX_TS + 2, "INSTALLED");
	m = body_msg(&b);
	assert_int_equal(vici_sa_translate("list-sa", &m->root, &r, err), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].child.n_remote_ts, TUNNEL_MAX_TS);
	assert_ts(&r.v[0].child.remote_ts[31], "fd00:20::/32");
	assert_non_null(strstr(strbuf_str(&r.notes), "'fd00:21::/32' skipped"));
	assert_non_null(strstr(strbuf_str(&r.notes), "'fd00:22::/32' skipped"));
	assert_string_equal(r.v[0].child.remote_host, "2001:db8::2");
	/* child name from the section when there is no name key */
	assert_string_equal(r.v[0].child.child_name, "c-1");
	/* unknown event and missing body */
	assert_int_equal(vici_sa_translate("ike-foo", &m->root, &r, err), -1);
	assert_non_null(strstr(err, "unknown event 'ike-foo'"));
	assert_int_equal(vici_sa_translate("list-sa", NULL, &r, err), -1);
	vici_msg_free(m);
	assert_int_equal(r.n, 1);

	/* missing or bad unique ids fail the whole message, r unchanged */
	ike_body(&b, NULL, "8", 1, "INSTALLED");
	m = body_msg(&b);
	assert_int_equal(vici_sa_translate("child-updown", &m->root, &r, err),
			 -1);
	assert_non_null(strstr(err, "IKE_SA 'conn' without a valid uniqueid"));
	vici_msg_free(m);
	ike_body(&b, "7", "4294967296", 1, "INSTALLED");
	m = body_msg(&b);
	assert_int_equal(vici_sa_translate("list-sa", &m->root, &r, err), -1);
	assert_non_null(strstr(err, "CHILD_SA 'c-1'"));
	vici_msg_free(m);
	ike_body(&b, "-1", "8", 1, "INSTALLED");
	m = body_msg(&b);
	assert_int_equal(vici_sa_translate("list-sa", &m->root, &r, err), -1);
	vici_msg_free(m);
	/* a child-rekey without old/new */
	ike_body(&b, "7", "8", 1, "INSTALLED");
	m = body_msg(&b);
	assert_int_equal(vici_sa_translate("child-rekey", &m->root, &r, err),
			 -1);
	assert_non_null(strstr(err, "without old and new"));
	assert_int_equal(vici_sa_translate("ike-rekey", &m->root, &r, err),
			 -1);
	vici_msg_free(m);
	assert_int_equal(r.n, 1);
	vici_sa_result_free(&r);
}

/* ike-updown up=yes without CHILD_SAs (charon's event once an IKE_SA is
 * established): one ike_up with the IKE part; a listed IKE_SA still
 * CONNECTING: none; REKEYING counts as established. */
static void test_sa_ike_up(void **state)
{
	static const char *const states[] = { "CONNECTING", "REKEYING" };
	struct vici_sa_result r;
	struct vici_builder b;
	struct vici_msg *m;
	char err[VICI_ERR_MAX];

	(void)state;
	vici_sa_result_init(&r);
	vici_builder_init(&b);
	vici_builder_kv_str(&b, "up", "yes");
	vici_builder_section_start(&b, "tp");
	vici_builder_kv_str(&b, "uniqueid", "12");
	vici_builder_kv_str(&b, "state", "ESTABLISHED");
	vici_builder_kv_str(&b, "remote-host", "192.0.2.9");
	vici_builder_kv_str(&b, "remote-id", "T");
	vici_builder_section_end(&b);
	m = body_msg(&b);
	assert_int_equal(vici_sa_translate("ike-updown", &m->root, &r, err), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].kind, VICI_SA_IKE_UP);
	assert_int_equal(r.v[0].ike_id, 12);
	assert_string_equal(r.v[0].child.ike_name, "tp");
	assert_string_equal(r.v[0].child.remote_host, "192.0.2.9");
	assert_string_equal(r.v[0].child.remote_id, "T");
	assert_int_equal(r.v[0].child.gateway, -1);
	vici_msg_free(m);
	for (size_t i = 0; i < 2; i++) {
		vici_sa_result_reset(&r);
		vici_builder_init(&b);
		vici_builder_section_start(&b, "tp");
		vici_builder_kv_str(&b, "uniqueid", "13");
		vici_builder_kv_str(&b, "state", states[i]);
		vici_builder_section_end(&b);
		m = body_msg(&b);
		assert_int_equal(vici_sa_translate("list-sa", &m->root, &r,
						   err),
				 0);
		assert_int_equal(r.n, i);
		vici_msg_free(m);
	}
	vici_sa_result_free(&r);
}

static void test_sa_parse_ts(void **state)
{
	struct mep_prefix p;

	(void)state;
	assert_int_equal(vici_sa_parse_ts("10.1.0.0/16", &p), 0);
	assert_ts(&p, "10.1.0.0/16");
	assert_int_equal(vici_sa_parse_ts("fec1::/16[tcp/80]", &p), 0);
	assert_ts(&p, "fec1::/16");
	assert_int_equal(vici_sa_parse_ts("10.0.0.1", &p), 0);
	assert_ts(&p, "10.0.0.1/32");
	assert_int_equal(vici_sa_parse_ts("2001:db8::1[udp]", &p), 0);
	assert_ts(&p, "2001:db8::1/128");
	assert_int_equal(vici_sa_parse_ts("0.0.0.0/0", &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(vici_sa_parse_ts("10.1.2.3/16", &p), -1);
	assert_int_equal(vici_sa_parse_ts("10.0.0.0/24[tcp", &p), -1);
	assert_int_equal(vici_sa_parse_ts("10.2.5.1..10.2.5.9", &p), -1);
	assert_int_equal(vici_sa_parse_ts("dynamic", &p), -1);
	assert_int_equal(vici_sa_parse_ts("", &p), -1);
	assert_int_equal(vici_sa_parse_ts("[tcp]", &p), -1);
	assert_int_equal(vici_sa_parse_ts("10.0.0.0/33", &p), -1);
}

/* ---- vici_session against a fake charon */

enum fake_mode {
	FAKE_GOOD,
	FAKE_REJECT_EVENT,	/* EVENT_UNKNOWN for ike-rekey */
	FAKE_BAD_MESSAGE,	/* list-sas answered by a malformed event */
	FAKE_ZERO_FRAME,	/* ... by a frame of length 0 */
	FAKE_HUGE_FRAME,	/* ... by a frame above 512 KiB */
	FAKE_UNSOLICITED,	/* CMD_RESPONSE right after accept */
	FAKE_CMD_UNKNOWN,	/* list-sas answered by CMD_UNKNOWN */
};

struct fake {
	struct ev_loop *loop;
	char dir[32];
	char path[64];
	int lfd, cfd;
	ev_io lio, cio;
	struct vici_splitter in;
	int conns;
	const enum fake_mode *modes;	/* per connection, then GOOD */
	size_t n_modes;
	char log[4096];
};

struct rec {
	struct vici_session *s;
	struct fake *fake;
	char log[8192];
	int ends;
	int stop_after;
	bool commands;		/* issue version + stats after the 1st sync */
	bool rekey;		/* issue rekey after the 1st sync */
	bool timed_out;
};

static void logf_(char *log, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void logf_(char *log, size_t size, const char *fmt, ...)
{
	size_t n = strlen(log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log + n, size - n, fmt, ap);
	va_end(ap);
}

static void fake_send(struct fake *f, enum vici_op op, const char *name,
		      const struct vici_builder *b)
{
	uint8_t *fr;
	size_t len;
	char err[VICI_ERR_MAX];

	if (vici_encode(op, name, b, &fr, &len, err) < 0)
		fail_msg("fake encode: %s", err);
	assert_int_equal(send(f->cfd, fr, len, MSG_NOSIGNAL), (ssize_t)len);
	free(fr);
}

static void fake_send_hex(struct fake *f, const char *h)
{
	struct blob p = hex(h);
	uint8_t l[4] = { 0, 0, (uint8_t)(p.len >> 8), (uint8_t)p.len };

	assert_int_equal(send(f->cfd, l, 4, MSG_NOSIGNAL), 4);
	assert_int_equal(send(f->cfd, p.p, p.len, MSG_NOSIGNAL),
			 (ssize_t)p.len);
	free(p.p);
}

static void fake_send_raw(struct fake *f, const void *d, size_t n)
{
	assert_int_equal(send(f->cfd, d, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void fake_hangup(struct fake *f)
{
	if (f->cfd < 0)
		return;
	ev_io_stop(f->loop, &f->cio);
	close(f->cfd);
	f->cfd = -1;
	vici_splitter_free(&f->in);
	vici_splitter_init(&f->in);
}

static enum fake_mode fake_mode(const struct fake *f)
{
	size_t i = (size_t)f->conns - 1;

	return i < f->n_modes ? f->modes[i] : FAKE_GOOD;
}

static void fake_request(struct fake *f, const struct vici_msg *m)
{
	struct vici_builder b;
	enum fake_mode mode = fake_mode(f);

	if (m->op == VICI_EVENT_REGISTER) {
		logf_(f->log, sizeof(f->log), "R:%s ", m->name);
		if (mode == FAKE_REJECT_EVENT &&
		    strcmp(m->name, "ike-rekey") == 0)
			fake_send(f, VICI_EVENT_UNKNOWN, NULL, NULL);
		else
			fake_send(f, VICI_EVENT_CONFIRM, NULL, NULL);
		return;
	}
	assert_int_equal(m->op, VICI_CMD_REQUEST);
	logf_(f->log, sizeof(f->log), "C:%s ", m->name);
	if (strcmp(m->name, "list-sas") == 0) {
		switch (mode) {
		case FAKE_BAD_MESSAGE:
			fake_send_raw(f, "\0\0\0\x0a\x07\x07list-sa\x09", 14);
			return;
		case FAKE_ZERO_FRAME:
			fake_send_raw(f, "\0\0\0\0", 4);
			return;
		case FAKE_HUGE_FRAME:
			fake_send_raw(f, "\x00\x08\x00\x01\x07", 5);
			return;
		case FAKE_CMD_UNKNOWN:
			fake_send(f, VICI_CMD_UNKNOWN, NULL, NULL);
			return;
		default:
			fake_send_hex(f, fx_list_sa);
			fake_send(f, VICI_CMD_RESPONSE, NULL, NULL);
			return;
		}
	}
	if (strcmp(m->name, "version") == 0) {
		/* an event between the command and its reply */
		fake_send_hex(f, fx_child_down);
		vici_builder_init(&b);
		vici_builder_kv_str(&b, "daemon", "charon");
		fake_send(f, VICI_CMD_RESPONSE, NULL, &b);
		vici_builder_free(&b);
		return;
	}
	if (strcmp(m->name, "rekey") == 0) {
		fake_send_hex(f, fx_child_rekey);
		fake_send(f, VICI_CMD_RESPONSE, NULL, NULL);
		return;
	}
	if (strcmp(m->name, "stats") == 0) {
		/* an event, then charon goes away without answering */
		fake_send_hex(f, fx_child_rekey);
		fake_hangup(f);
		return;
	}
	fake_send(f, VICI_CMD_UNKNOWN, NULL, NULL);
}

static bool fake_on_msg(void *arg, const struct vici_msg *m)
{
	struct fake *f = arg;

	fake_request(f, m);
	return f->cfd >= 0;
}

static void fake_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;

	(void)loop;
	(void)revents;
	if (vici_fake_read(f->cfd, &f->in, fake_on_msg, f) < 0)
		fake_hangup(f);
}

static void fake_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	int fd = accept(f->lfd, NULL, NULL);

	(void)revents;
	assert_true(fd >= 0);
	fake_hangup(f);
	f->cfd = fd;
	f->conns++;
	logf_(f->log, sizeof(f->log), "| ");
	ev_io_init(&f->cio, fake_on_read, fd, EV_READ);
	f->cio.data = f;
	ev_io_start(loop, &f->cio);
	if (fake_mode(f) == FAKE_UNSOLICITED)
		fake_send(f, VICI_CMD_RESPONSE, NULL, NULL);
}

static void fake_init(struct fake *f, struct ev_loop *loop)
{
	const enum fake_mode *modes = f->modes;
	size_t n_modes = f->n_modes;

	memset(f, 0, sizeof(*f));
	f->modes = modes;
	f->n_modes = n_modes;
	f->loop = loop;
	f->lfd = f->cfd = -1;
	strcpy(f->dir, "vici-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/charon.vici", f->dir);
	vici_splitter_init(&f->in);
}

static void fake_listen(struct fake *f)
{
	struct sockaddr_un sa;

	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, f->path);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	ev_io_init(&f->lio, fake_on_accept, f->lfd, EV_READ);
	f->lio.data = f;
	ev_io_start(f->loop, &f->lio);
}

static void fake_fini(struct fake *f)
{
	fake_hangup(f);
	if (f->lfd >= 0) {
		ev_io_stop(f->loop, &f->lio);
		close(f->lfd);
	}
	unlink(f->path);
	rmdir(f->dir);
	vici_splitter_free(&f->in);
}

static void rec_connect(void *arg)
{
	struct rec *r = arg;

	logf_(r->log, sizeof(r->log), "connect ");
}

static void rec_disconnect(void *arg, const char *reason)
{
	struct rec *r = arg;

	logf_(r->log, sizeof(r->log), "down:%s ", reason);
}

static void rec_upsert(void *arg, const struct tunnel_child *c)
{
	struct rec *r = arg;

	logf_(r->log, sizeof(r->log), "up %u/%u ", c->ike_id, c->child_id);
}

static void rec_remove_child(void *arg, uint32_t ike, uint32_t child)
{
	struct rec *r = arg;

	logf_(r->log, sizeof(r->log), "rm %u/%u ", ike, child);
}

static void rec_remove_ike(void *arg, uint32_t ike)
{
	struct rec *r = arg;

	logf_(r->log, sizeof(r->log), "rmike %u ", ike);
}

static void rec_begin(void *arg)
{
	struct rec *r = arg;

	logf_(r->log, sizeof(r->log), "begin ");
}

static void rec_reply(void *arg, const struct vici_msg *m)
{
	struct rec *r = arg;
	const char *d;

	if (!m) {
		logf_(r->log, sizeof(r->log), "reply:NULL ");
		return;
	}
	d = vici_get_str(&m->root, "daemon");
	logf_(r->log, sizeof(r->log), "reply:%s ", d ? d : "-");
}

static void rec_end(void *arg)
{
	struct rec *r = arg;

	logf_(r->log, sizeof(r->log), "end ");
	r->ends++;
	if (r->ends == 1 && r->commands) {
		assert_true(vici_session_up(r->s));
		assert_int_equal(vici_session_command(r->s, "version", NULL,
						      rec_reply, r),
				 0);
		assert_int_equal(vici_session_command(r->s, "stats", NULL,
						      rec_reply, r),
				 0);
	}
	if (r->ends == 1 && r->rekey)
		assert_int_equal(vici_session_command(r->s, "rekey", NULL,
						      rec_reply, r),
				 0);
	if (r->ends == r->stop_after)
		ev_break(r->fake->loop, EVBREAK_ALL);
}

static void rec_note(void *arg, const char *line)
{
	struct rec *r = arg;

	if (strstr(line, "no prefix"))
		logf_(r->log, sizeof(r->log), "note ");
}

static const struct vici_session_cbs rec_cbs = {
	.on_connect = rec_connect,
	.on_disconnect = rec_disconnect,
	.on_upsert = rec_upsert,
	.on_remove_child = rec_remove_child,
	.on_remove_ike = rec_remove_ike,
	.on_resync_begin = rec_begin,
	.on_resync_end = rec_end,
	.on_note = rec_note,
};

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rec *r = w->data;

	(void)revents;
	r->timed_out = true;
	ev_break(loop, EVBREAK_ALL);
}

static void on_late_listen(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	fake_listen(w->data);
}

static void run_session(struct rec *r, struct fake *f, bool late)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	ev_timer dog, late_t;

	fake_init(f, loop);
	r->fake = f;
	r->s = vici_session_new(loop, f->path, &rec_cbs, r);
	assert_non_null(r->s);
	vici_session_set_backoff(r->s, 0.005, 0.02);
	vici_session_set_rekey_settle(r->s, 0.01);
	ev_timer_init(&dog, on_watchdog, 5., 0.);
	dog.data = r;
	ev_timer_start(loop, &dog);
	if (late) {
		ev_timer_init(&late_t, on_late_listen, 0.03, 0.);
		late_t.data = f;
		ev_timer_start(loop, &late_t);
	} else {
		fake_listen(f);
	}
	vici_session_start(r->s);
	ev_run(loop, 0);
	assert_false(r->timed_out);
	ev_timer_stop(loop, &dog);
	if (late)
		ev_timer_stop(loop, &late_t);
	vici_session_free(r->s);
	fake_fini(f);
	ev_loop_destroy(loop);
}

#define REGS "R:ike-updown R:child-updown R:ike-rekey R:child-rekey R:list-sa "

static void test_session_flow(void **state)
{
	struct rec r = { .stop_after = 2, .commands = true };
	struct fake f = { .modes = NULL };

	(void)state;
	run_session(&r, &f, false);
	assert_string_equal(r.log,
			    "connect begin note up 1/1 up 1/2 end "
			    "rm 2/2 reply:charon note note up 1/4 rm 1/1 "
			    "reply:NULL "
			    "down:connection closed by charon "
			    "connect begin note up 1/1 up 1/2 end ");
	assert_string_equal(f.log, "| " REGS "C:list-sas C:version C:stats "
				   "| " REGS "C:list-sas ");
}

/* A child rekey is followed by a resync once rekeys settle. */
static void test_session_rekey_resync(void **state)
{
	struct rec r = { .stop_after = 2, .rekey = true };
	struct fake f = { .modes = NULL };

	(void)state;
	run_session(&r, &f, false);
	assert_string_equal(r.log,
			    "connect begin note up 1/1 up 1/2 end "
			    "note note up 1/4 rm 1/1 reply:- "
			    "begin note up 1/1 up 1/2 end ");
	assert_string_equal(f.log, "| " REGS "C:list-sas C:rekey C:list-sas ");
}

static void test_session_errors(void **state)
{
	static const enum fake_mode modes[] = {
		FAKE_REJECT_EVENT, FAKE_BAD_MESSAGE, FAKE_ZERO_FRAME,
		FAKE_HUGE_FRAME,   FAKE_UNSOLICITED, FAKE_CMD_UNKNOWN,
	};
	struct rec r = { .stop_after = 1 };
	struct fake f = { .modes = NULL };
	const char *p;
	static const char *const reasons[] = {
		"down:charon does not know event 'ike-rekey' ",
		"down:bad message: unknown element type ",
		"down:bad frame: frame length 0 out of range 1..524288 ",
		"down:bad frame: frame length 524289 out of range ",
		/* before or after the first register went out */
		"CMD_RESPONSE",
		"down:charon does not know command 'list-sas' ",
		"connect begin note up 1/1 up 1/2 end ",
	};
	size_t i;

	(void)state;
	/* the socket appears only after the first attempts failed */
	f.modes = modes;
	f.n_modes = sizeof(modes) / sizeof(modes[0]);
	run_session(&r, &f, true);
	p = r.log;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		const char *q = strstr(p, reasons[i]);

		if (!q)
			fail_msg("'%s' missing after '%s'", reasons[i], p);
		p = q + strlen(reasons[i]);
	}
	assert_string_equal(p, "");
	assert_int_equal(f.conns, 7);
	assert_null(strstr(r.log, "rm "));
}

static void test_session_misc(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct vici_session *s;
	char path[200];

	(void)state;
	memset(path, 'p', sizeof(path));
	path[sizeof(path) - 1] = '\0';
	assert_null(vici_session_new(loop, path, NULL, NULL));
	assert_null(vici_session_new(loop, "", NULL, NULL));
	s = vici_session_new(loop, NULL, NULL, NULL);
	assert_non_null(s);
	/* not connected: commands are refused */
	assert_int_equal(vici_session_command(s, "version", NULL, NULL, NULL),
			 -1);
	assert_int_equal(vici_session_resync(s), -1);
	assert_false(vici_session_up(s));
	assert_int_equal(vici_session_connects(s), 0);
	vici_session_free(s);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_real_frames),
		cmocka_unit_test(test_codec_truncated),
		cmocka_unit_test(test_codec_malformed),
		cmocka_unit_test(test_codec_limits),
		cmocka_unit_test(test_splitter),
		cmocka_unit_test(test_sa_list),
		cmocka_unit_test(test_sa_updown_rekey),
		cmocka_unit_test(test_sa_bad),
		cmocka_unit_test(test_sa_ike_up),
		cmocka_unit_test(test_sa_parse_ts),
		cmocka_unit_test(test_session_flow),
		cmocka_unit_test(test_session_rekey_resync),
		cmocka_unit_test(test_session_errors),
		cmocka_unit_test(test_session_misc),
	};

	log_open("test_vici", true, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
