/* winart_task.c - scheduled tasks as Windows stores them under
 * Windows/System32/Tasks: one XML file per task (UTF-16 with a BOM as a
 * rule), parsed by libxml2 without network access or entity expansion. Each
 * Exec action is an autostart entry (command, arguments), with the task's
 * author, principal and a summary of its triggers; COM handler actions are
 * listed by class id. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winart/winart.h"

#define MAX_TRIGGERS_TEXT 256

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

/* The trimmed text of a child element, malloc'd, or NULL. */
static char *child_text(const xmlNode *n, const char *name)
{
    const xmlNode *c = child(n, name);
    xmlChar *t;
    char *s;
    if (c == NULL || (t = xmlNodeGetContent(c)) == NULL)
        return NULL;
    const char *b = (const char *)t;
    while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
        b++;
    size_t n2 = strlen(b);
    while (n2 && (b[n2 - 1] == ' ' || b[n2 - 1] == '\t' || b[n2 - 1] == '\r' || b[n2 - 1] == '\n'))
        n2--;
    s = strndup(b, n2);
    xmlFree(t);
    return s;
}

/* "LogonTrigger,CalendarTrigger" (disabled ones marked "(disabled)"). */
static void triggers_summary(const xmlNode *task, char *buf, size_t cap)
{
    const xmlNode *tr = child(task, "Triggers");
    size_t used = 0;
    buf[0] = '\0';
    for (const xmlNode *c = tr ? tr->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char *en = child_text(c, "Enabled");
        int off = en != NULL && strcmp(en, "false") == 0;
        int w = snprintf(buf + used, cap - used, "%s%s%s", used ? "," : "", (const char *)c->name,
                         off ? "(disabled)" : "");
        free(en);
        if (w < 0 || (size_t)w >= cap - used) {
            buf[used] = '\0';
            break;
        }
        used += (size_t)w;
    }
}

/* The task's name: its path below System32/Tasks, with '\' separators. */
static char *task_name(const char *path)
{
    const char *p = vigil_winart_path_find(path, "system32/tasks/");
    char *s = strdup(p ? p + strlen("system32/tasks") : path);
    for (char *q = s; q && *q; q++)
        if (*q == '/')
            *q = '\\';
    return s;
}

typedef struct task_info {
    char *name, *author, *uri, *date, *user, *runlevel, *enabled, *hidden;
    char triggers[MAX_TRIGGERS_TEXT];
} task_info;

static int add_common(vigil_winart_entry *e, const task_info *ti)
{
    int rc = 0;
    rc |= vigil_winart_meta(e, "author", ti->author);
    rc |= vigil_winart_meta(e, "triggers", ti->triggers);
    rc |= vigil_winart_meta(e, "user", ti->user);
    rc |= vigil_winart_meta(e, "run_level", ti->runlevel);
    rc |= vigil_winart_meta(e, "created", ti->date);
    rc |= vigil_winart_meta(e, "uri", ti->uri);
    if (ti->enabled && strcmp(ti->enabled, "false") == 0)
        rc |= vigil_winart_meta(e, "enabled", "false");
    if (ti->hidden && strcmp(ti->hidden, "true") == 0)
        rc |= vigil_winart_meta(e, "hidden", "true");
    return rc;
}

static int task_actions(const xmlNode *task, const task_info *ti, vigil_winart_list *list)
{
    const xmlNode *acts = child(task, "Actions");
    int rc = 0, any = 0;

    for (const xmlNode *a = acts ? acts->children : NULL; a && rc == 0; a = a->next) {
        if (a->type != XML_ELEMENT_NODE)
            continue;
        int exec = strcmp((const char *)a->name, "Exec") == 0;
        int com = strcmp((const char *)a->name, "ComHandler") == 0;
        if (!exec && !com)
            continue;
        char *cmd = child_text(a, exec ? "Command" : "ClassId");
        char *args = child_text(a, exec ? "Arguments" : "Data");
        char *wd = exec ? child_text(a, "WorkingDirectory") : NULL;
        vigil_winart_entry *e =
            vigil_winart_add(list, VIGIL_FINDING_PERSISTENCE, ti->name, cmd ? cmd : "");
        if (e == NULL) {
            rc = -1;
        } else {
            rc |= vigil_winart_meta(e, "source", "scheduled_task");
            rc |= vigil_winart_meta(e, exec ? "command" : "com_class_id", cmd);
            rc |= vigil_winart_meta(e, exec ? "arguments" : "com_data", args);
            rc |= vigil_winart_meta(e, "working_directory", wd);
            rc |= add_common(e, ti);
            any = 1;
        }
        free(cmd);
        free(args);
        free(wd);
    }
    if (rc == 0 && !any) { /* a task with no action we know still autostarts */
        vigil_winart_entry *e = vigil_winart_add(list, VIGIL_FINDING_PERSISTENCE, ti->name, NULL);
        if (e == NULL)
            return -1;
        rc |= vigil_winart_meta(e, "source", "scheduled_task");
        rc |= add_common(e, ti);
    }
    return rc;
}

int vigil_winart_task_parse(const char *path, const uint8_t *data, size_t len,
                            vigil_winart_list *list)
{
    xmlDocPtr doc;
    const xmlNode *root;
    task_info ti;
    int rc;

    if (len > (64u << 20) || len > (size_t)0x7fffffff) {
        snprintf(list->error, sizeof list->error, "task XML too big");
        return -1;
    }
    doc = xmlReadMemory((const char *)data, (int)len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (root == NULL || strcmp((const char *)root->name, "Task") != 0) {
        snprintf(list->error, sizeof list->error, "not a well-formed task XML file");
        xmlFreeDoc(doc);
        return -1;
    }
    memset(&ti, 0, sizeof ti);
    const xmlNode *reg = child(root, "RegistrationInfo");
    const xmlNode *pr = child(child(root, "Principals"), "Principal");
    const xmlNode *set = child(root, "Settings");
    ti.name = task_name(path);
    ti.author = child_text(reg, "Author");
    ti.uri = child_text(reg, "URI");
    ti.date = child_text(reg, "Date");
    ti.user = child_text(pr, "UserId");
    if (ti.user == NULL)
        ti.user = child_text(pr, "GroupId");
    ti.runlevel = child_text(pr, "RunLevel");
    ti.enabled = child_text(set, "Enabled");
    ti.hidden = child_text(set, "Hidden");
    triggers_summary(root, ti.triggers, sizeof ti.triggers);
    rc = ti.name ? task_actions(root, &ti, list) : -1;
    if (rc != 0)
        snprintf(list->error, sizeof list->error, "out of memory");
    free(ti.name);
    free(ti.author);
    free(ti.uri);
    free(ti.date);
    free(ti.user);
    free(ti.runlevel);
    free(ti.enabled);
    free(ti.hidden);
    xmlFreeDoc(doc);
    return rc;
}
